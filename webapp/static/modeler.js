/* Sunting diagram: bpmn-js with a small panel for a step's SOP properties, publishing through
   POST <save-url> (BPMN XML in, JSON out). Every text shown comes from the page (translated on the
   server); the data-* attributes of #modeler carry the URLs, the CSRF token and the messages. */
(function () {
  "use strict";

  var root = document.getElementById("modeler");
  if (!root || typeof window.BpmnJS !== "function") { return; }
  root.hidden = false;

  /* spiffworkflow:properties / spiffworkflow:property, as alur's BPMN files carry sop.* metadata. */
  var SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] }
    ]
  };
  var PROPS = "spiffworkflow:Properties";
  /* <alur:form>: a step's form (its JSON Schema as text), built in the panel, kept in the diagram. */
  var ALUR = {
    name: "alur", uri: "urn:alur:bpmn:1.0", prefix: "alur", xml: { tagAlias: "lowerCase" }, associations: [],
    types: [{ name: "Form", superClass: ["Element"], properties: [{ name: "body", type: "String", isBody: true }] }]
  };
  var FORM = "alur:Form";

  /* bpmn-js's own tooltips and labels in the page's language: its translate service, fed the
     words the page carries (#bpmn-texts); a text without an entry stays as bpmn-js says it. */
  var textsBox = document.getElementById("bpmn-texts");
  var bpmnTexts = textsBox ? JSON.parse(textsBox.textContent) : {};
  function translate(template, replacements) {
    var text = Object.prototype.hasOwnProperty.call(bpmnTexts, template) ? bpmnTexts[template] : template;
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return replacements && key in replacements ? replacements[key] : whole;
    });
  }

  var modeler = new window.BpmnJS({
    container: document.getElementById("modeler-canvas"),  /* keys act when the canvas has focus */
    moddleExtensions: { spiffworkflow: SPIFF, alur: ALUR },
    additionalModules: [{ translate: ["value", translate] }]
  });
  window.alurModeler = modeler; /* for the browser tests and the curious */

  var status = document.getElementById("modeler-status");
  var problemsBox = document.getElementById("modeler-problems");
  var publishButton = document.getElementById("modeler-publish");
  var dirty = false;

  function msg(name, values) {
    var text = root.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function say(text) { status.textContent = text || ""; }

  /* ---- the side panel ------------------------------------------------------------------- */
  var form = document.getElementById("panel-form");
  var empty = document.getElementById("panel-empty");
  var current = null;

  function propsElement(bo) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === PROPS; })[0] || null;
  }
  function readProp(bo, name) {
    var props = propsElement(bo);
    var item = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    return item ? (item.value || "") : "";
  }
  function readDoc(bo) {
    return (bo.documentation || []).map(function (d) { return d.text || ""; }).join("\n\n");
  }

  /* One change of one field: one step on the undo stack (Ctrl+Z takes it back). */
  function write(element, name, value) {
    var modeling = modeler.get("modeling"), moddle = modeler.get("moddle"), bo = element.businessObject;
    if (name === "name") { modeling.updateProperties(element, { name: value }); return; }
    if (name === "documentation") {
      modeling.updateProperties(element, {
        documentation: value ? [moddle.create("bpmn:Documentation", { text: value })] : [] });
      return;
    }
    var ext = bo.extensionElements;
    if (!ext) {
      if (!value) { return; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = propsElement(bo);
    if (!props) {
      if (!value) { return; }
      props = moddle.create(PROPS, { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    var list = props.properties || [];
    var item = list.filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (item) { modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== item; }) }); }
    } else if (item) {
      modeling.updateModdleProperties(element, item, { value: value });
    } else {
      item = moddle.create("spiffworkflow:Property", { name: name, value: value });
      modeling.updateModdleProperties(element, props, { properties: list.concat([item]) });
    }
  }

  function fields() { return Array.prototype.slice.call(form.querySelectorAll("[data-prop]")); }

  /* A flow leaving a decision (exclusive or inclusive gateway): its label, condition, default. */
  var flowForm = document.getElementById("flow-form");
  var flow = null;
  function isDecisionFlow(element) {
    return !!element && element.type === "bpmn:SequenceFlow" && !!element.source &&
      (element.source.type === "bpmn:ExclusiveGateway" || element.source.type === "bpmn:InclusiveGateway");
  }
  function showFlow() {
    var bo = flow.businessObject;
    document.getElementById("flow-id").textContent = bo.id;
    Array.prototype.forEach.call(flowForm.querySelectorAll("[data-flow-prop]"), function (input) {
      var name = input.getAttribute("data-flow-prop");
      if (name === "default") { input.checked = flow.source.businessObject["default"] === bo; return; }
      input.value = name === "name" ? (bo.name || "") : (bo.conditionExpression && bo.conditionExpression.body) || "";
    });
  }
  Array.prototype.forEach.call(flowForm.querySelectorAll("[data-flow-prop]"), function (input) {
    input.addEventListener("change", function () {
      if (!flow) { return; }
      var modeling = modeler.get("modeling"), name = input.getAttribute("data-flow-prop");
      var value = input.type === "checkbox" ? input.checked : input.value.trim();
      if (name === "name") {
        modeling.updateProperties(flow, { name: value });
      } else if (name === "condition") {
        modeling.updateProperties(flow, { conditionExpression: value
          ? modeler.get("moddle").create("bpmn:FormalExpression", { body: value }) : undefined });
      } else if (value) {
        modeling.updateProperties(flow.source, { "default": flow.businessObject });
      } else if (flow.source.businessObject["default"] === flow.businessObject) {
        modeling.updateProperties(flow.source, { "default": undefined });
      }
    });
  });
  flowForm.addEventListener("submit", function (e) { e.preventDefault(); });

  /* ---- lanes: a step's lane picked from the diagram's lanes; a lane's role from the server's ---- */
  var laneForm = document.getElementById("lane-form");
  var laneName = document.getElementById("l-name");
  var laneSelect = document.getElementById("p-lane");
  var lane = null;
  function leafLanes() {
    return modeler.get("elementRegistry").filter(function (e) {
      var bo = e.businessObject;
      return e.type === "bpmn:Lane" && !(bo.childLaneSet && (bo.childLaneSet.lanes || []).length);
    });
  }
  function laneOf(element) {
    return leafLanes().filter(function (l) {
      return (l.businessObject.flowNodeRef || []).indexOf(element.businessObject) !== -1;
    })[0] || null;
  }
  function showLaneChoice(element) {
    var lanes = leafLanes(), mine = laneOf(element);
    laneSelect.textContent = "";
    if (!mine) {
      var none = document.createElement("option"); none.value = ""; none.textContent = msg("no-lane");
      laneSelect.appendChild(none);
    }
    lanes.forEach(function (l) {
      var opt = document.createElement("option");
      opt.value = l.id; opt.textContent = l.businessObject.name || l.id;
      laneSelect.appendChild(opt);
    });
    laneSelect.value = mine ? mine.id : "";
    laneSelect.disabled = !lanes.length;
  }
  laneSelect.addEventListener("change", function () {
    if (!current || !laneSelect.value) { return; }
    var target = modeler.get("elementRegistry").get(laneSelect.value);
    if (!target) { return; }
    /* into the middle of the chosen lane, as dragging it there would: bpmn-js updates the lane's members */
    var dy = Math.round(target.y + target.height / 2 - (current.y + current.height / 2));
    var dx = current.x < target.x ? target.x + 40 - current.x : 0;
    modeler.get("modeling").moveElements([current], { x: dx, y: dy });
  });
  function showLane() {
    document.getElementById("lane-id").textContent = lane.businessObject.id;
    if (document.activeElement !== laneName) { laneName.value = lane.businessObject.name || ""; }
  }
  laneName.addEventListener("change", function () {
    if (lane) { modeler.get("modeling").updateProperties(lane, { name: laneName.value.trim() }); }
  });
  laneForm.addEventListener("submit", function (e) { e.preventDefault(); });

  /* ---- standard times in words: the server turns them into ISO 8601 and back ------------- */
  var durationInput = document.getElementById("p-duration");
  var durationError = document.getElementById("p-duration-error");
  var wordsOf = {};
  function askDuration(text) {
    var url = root.getAttribute("data-duration-url") + "?text=" + encodeURIComponent(text);
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    });
  }
  function durationProblem(text) {
    durationError.textContent = text || "";
    durationError.hidden = !text;
    if (text) { durationInput.setAttribute("aria-invalid", "true"); } else { durationInput.removeAttribute("aria-invalid"); }
  }
  function showDuration(element) {
    var iso = readProp(element.businessObject, "sop.duration");
    durationProblem("");
    if (!iso) { durationInput.value = ""; return; }
    if (wordsOf[iso]) { durationInput.value = wordsOf[iso]; return; }
    durationInput.value = iso;
    askDuration(iso).then(function (answer) {
      if (answer.ok && answer.body.valid) { wordsOf[iso] = answer.body.words; }
      if (answer.ok && answer.body.valid && current === element && document.activeElement !== durationInput) {
        durationInput.value = answer.body.words;
      }
    }).catch(function () { /* the ISO form stays shown */ });
  }
  durationInput.addEventListener("change", function () {
    var element = current, text = durationInput.value.trim();
    if (!element) { return; }
    askDuration(text).then(function (answer) {
      if (!answer.ok || !answer.body.valid) { durationProblem(answer.body.message || msg("failed", { status: "" })); return; }
      durationProblem("");
      if (answer.body.iso) { wordsOf[answer.body.iso] = answer.body.words; }
      write(element, "sop.duration", answer.body.iso);
      if (current === element) { durationInput.value = answer.body.words; }
    }).catch(function (error) { durationProblem(error.message); });
  });

  /* ---- the form builder: a step's form made in the panel, stored as <alur:form> ----------- */
  var formChoice = document.getElementById("p-form");
  var builder = document.getElementById("form-builder");
  var fieldList = document.getElementById("fb-fields");
  var preview = document.getElementById("fb-preview");
  var openFile = document.getElementById("fb-open-file");
  var fieldTemplate = document.getElementById("fb-field-template");
  var KINDS = ["text", "textarea", "number", "date", "decision", "choice", "person", "persons", "checklist"];
  var model = null;  /* {fields: [{name, prop, required, when}], rest: {other schema keys}, allOf: [kept]} */
  var previewTimer = null;

  function bmsg(name, values) {
    var text = builder.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function formElement(bo) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === FORM; })[0] || null;
  }
  function kindOf(prop) {
    var items = prop.items || {};
    if (prop.type === "array") { return items["x-widget"] === "user" ? "persons" : items["enum"] ? "checklist" : null; }
    if (prop["x-widget"] === "user") { return "person"; }
    if (prop.type === "boolean") { return "decision"; }
    if (prop["enum"]) { return "choice"; }
    if (prop.type === "number" || prop.type === "integer") { return "number"; }
    if (prop.format === "date") { return "date"; }
    if (prop["x-widget"] === "textarea") { return "textarea"; }
    return prop.type === "string" ? "text" : null;
  }
  function optionsOf(prop) {
    return ((prop.type === "array" ? (prop.items || {})["enum"] : prop["enum"]) || []).join("\n");
  }
  function roleOf(prop) { return prop["x-role"] || (prop.items || {})["x-role"] || ""; }
  /* A field of ``kind``: its label and help kept, what its kind says set anew. */
  function shaped(kind, prop, options, role) {
    var out = {};
    if (prop.title) { out.title = prop.title; }
    if (prop.description) { out.description = prop.description; }
    var list = options.split("\n").map(function (o) { return o.trim(); }).filter(Boolean);
    if (kind === "text") { out.type = "string"; out.maxLength = prop.maxLength || 500; }
    if (kind === "textarea") { out.type = "string"; out["x-widget"] = "textarea"; out.maxLength = prop.maxLength || 5000; }
    if (kind === "number") { out.type = "number"; }
    if (kind === "date") { out.type = "string"; out.format = "date"; }
    if (kind === "decision") { out.type = "boolean"; out["x-choices"] = prop["x-choices"] || { "true": bmsg("yes"), "false": bmsg("no") }; }
    if (kind === "choice") { out.type = "string"; out["enum"] = list.length ? list : ["-"]; }
    if (kind === "person") { out.type = "string"; out["x-widget"] = "user"; if (role) { out["x-role"] = role; } }
    if (kind === "persons") {
      out.type = "array"; out.minItems = 1; out.items = { type: "string", "x-widget": "user" };
      if (role) { out.items["x-role"] = role; }
    }
    if (kind === "checklist") {
      out.type = "array"; out.uniqueItems = true; out["x-widget"] = "checklist";
      out.items = { type: "string", "enum": list.length ? list : ["-"] };
    }
    return out;
  }
  function whenRule(entry) {  /* {if: {properties: {X: {const: V}}, required: [X]}, then: {required: [Y]}} */
    var cond = entry && entry["if"], then = entry && entry.then;
    if (!cond || !then || !cond.properties || !then.required || then.required.length !== 1) { return null; }
    var names = Object.keys(cond.properties);
    if (names.length !== 1 || typeof cond.properties[names[0]]["const"] !== "boolean") { return null; }
    return { field: then.required[0], on: names[0], value: cond.properties[names[0]]["const"] };
  }
  function modelOf(schema) {
    var required = schema.required || [], rules = {}, kept = [];
    (schema.allOf || []).forEach(function (entry) {
      var rule = whenRule(entry);
      if (rule) { rules[rule.field] = { field: rule.on, value: rule.value }; } else { kept.push(entry); }
    });
    var rest = {};
    Object.keys(schema).forEach(function (k) {
      if (["type", "properties", "required", "allOf"].indexOf(k) === -1) { rest[k] = schema[k]; }
    });
    return {
      rest: rest, allOf: kept,
      fields: Object.keys(schema.properties || {}).map(function (name) {
        return { name: name, prop: schema.properties[name], required: required.indexOf(name) !== -1,
                 when: rules[name] || null };
      })
    };
  }
  function schemaOf(m) {
    var schema = { type: "object", properties: {} }, required = [], allOf = m.allOf.slice();
    m.fields.forEach(function (f) {
      schema.properties[f.name] = f.prop;
      if (f.required) { required.push(f.name); }
      if (f.when) {
        var cond = { properties: {}, required: [f.when.field] };
        cond.properties[f.when.field] = { "const": f.when.value };
        allOf.push({ "if": cond, "then": { required: [f.name] } });
      }
    });
    if (required.length) { schema.required = required; }
    if (allOf.length) { schema.allOf = allOf; }
    Object.keys(m.rest).forEach(function (k) { schema[k] = m.rest[k]; });
    return schema;
  }
  function writeForm(element, schema) {
    var modeling = modeler.get("modeling"), moddle = modeler.get("moddle"), bo = element.businessObject;
    var found = formElement(bo);
    if (schema === null) {
      if (found) {
        modeling.updateModdleProperties(element, bo.extensionElements, {
          values: bo.extensionElements.values.filter(function (v) { return v !== found; }) });
      }
      return;
    }
    var body = JSON.stringify(schema);
    if (found) { modeling.updateModdleProperties(element, found, { body: body }); return; }
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([moddle.create(FORM, { body: body })]) });
  }
  var writingForm = false;
  function save() {
    if (!current || !model) { return; }
    writingForm = true;  /* the builder already shows what it writes: the panel is not redrawn */
    try { writeForm(current, schemaOf(model)); } finally { writingForm = false; }
    previewSoon();
  }
  function redraw() {  /* the field cards anew, the focus where it was */
    var focused = document.activeElement && document.activeElement.id;
    drawFields();
    var again = focused && document.getElementById(focused);
    if (again) { again.focus(); }
  }
  function previewSoon() {
    if (previewTimer) { clearTimeout(previewTimer); }
    previewTimer = setTimeout(function () {
      if (!model) { return; }
      fetch(root.getAttribute("data-preview-url"), {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ schema: schemaOf(model) }),
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf") }
      }).then(function (r) { return r.text(); }).then(function (html) {
        preview.innerHTML = html;  /* drawn and escaped by the server, as the task page is */
        builder.setAttribute("data-previewed", String(Date.now()));
      }).catch(function () { /* the preview waits for the next change */ });
    }, 350);
  }
  function fieldNames(except) {
    return model.fields.filter(function (f) { return f !== except && kindOf(f.prop) === "decision"; });
  }
  function option(select, value, text) {
    var opt = document.createElement("option"); opt.value = value; opt.textContent = text; select.appendChild(opt);
  }
  function drawFields() {
    fieldList.textContent = "";
    model.fields.forEach(function (f, index) {
      var li = fieldTemplate.content.firstElementChild.cloneNode(true);
      var prefix = "fb-" + index + "-";
      li.querySelectorAll("[data-fb]").forEach(function (input) { input.id = prefix + input.getAttribute("data-fb"); });
      li.querySelectorAll("[data-for]").forEach(function (label) { label.htmlFor = prefix + label.getAttribute("data-for"); });
      li.querySelectorAll("[data-id]").forEach(function (el) { el.id = prefix + el.getAttribute("data-id"); });
      li.querySelectorAll("[data-describe]").forEach(function (el) {
        el.setAttribute("aria-describedby", prefix + el.getAttribute("data-describe")); });
      var get = function (name) { return li.querySelector('[data-fb="' + name + '"]'); };
      var kind = kindOf(f.prop);
      get("title").textContent = bmsg("field-n", { n: index + 1 }) + ": " + (f.prop.title || f.name);
      get("label").value = f.prop.title || "";
      get("name").value = f.name;
      get("help").value = f.prop.description || "";
      var kinds = get("kind");
      KINDS.forEach(function (k) { option(kinds, k, bmsg("kind-" + k)); });
      if (!kind) { option(kinds, "", bmsg("kind-other")); }
      kinds.value = kind || "";
      get("options").value = optionsOf(f.prop);
      var roles = get("role");
      option(roles, "", "—");
      leafLanes().forEach(function (l) { var n = l.businessObject.name; if (n) { option(roles, n, n); } });
      roles.value = roleOf(f.prop);
      get("required").checked = f.required;
      var when = get("when");
      option(when, "", bmsg("always"));
      fieldNames(f).forEach(function (other) { option(when, other.name, other.prop.title || other.name); });
      when.value = f.when ? f.when.field : "";
      get("when-value").value = f.when ? String(f.when.value) : "true";
      li.querySelector('[data-show="options"]').hidden = ["choice", "checklist"].indexOf(kind) === -1;
      li.querySelector('[data-show="role"]').hidden = ["person", "persons"].indexOf(kind) === -1;
      li.querySelector('[data-show="when-value"]').hidden = !f.when;
      function reshape() {
        if (!kinds.value) { return; }
        f.prop = shaped(kinds.value, f.prop, get("options").value, roles.value);
      }
      get("label").addEventListener("change", function () {
        f.prop.title = get("label").value.trim(); save();
        get("title").textContent = bmsg("field-n", { n: model.fields.indexOf(f) + 1 }) + ": " + (f.prop.title || f.name);
      });
      get("help").addEventListener("change", function () {
        var text = get("help").value.trim();
        if (text) { f.prop.description = text; } else { delete f.prop.description; }
        save();
      });
      get("name").addEventListener("change", function () {
        var name = get("name").value.trim();
        var taken = model.fields.some(function (o) { return o !== f && o.name === name; });
        if (!/^[a-z][a-z0-9_]*$/.test(name) || taken) { get("name").setAttribute("aria-invalid", "true"); return; }
        get("name").removeAttribute("aria-invalid");
        model.fields.forEach(function (o) { if (o.when && o.when.field === f.name) { o.when.field = name; } });
        f.name = name; save(); redraw();
      });
      kinds.addEventListener("change", function () { reshape(); save(); redraw(); });
      get("options").addEventListener("change", function () { reshape(); save(); });
      roles.addEventListener("change", function () { reshape(); save(); });
      get("required").addEventListener("change", function () { f.required = get("required").checked; save(); });
      when.addEventListener("change", function () {
        f.when = when.value ? { field: when.value, value: get("when-value").value === "true" } : null;
        save(); redraw();
      });
      get("when-value").addEventListener("change", function () {
        if (f.when) { f.when.value = get("when-value").value === "true"; save(); }
      });
      li.querySelectorAll("[data-fb-act]").forEach(function (button) {
        button.addEventListener("click", function () {
          var act = button.getAttribute("data-fb-act"), i = model.fields.indexOf(f);
          if (act === "remove") {
            model.fields.splice(i, 1);
            model.fields.forEach(function (o) { if (o.when && o.when.field === f.name) { o.when = null; } });
          } else {
            var j = act === "up" ? i - 1 : i + 1;
            if (j < 0 || j >= model.fields.length) { return; }
            model.fields.splice(i, 1); model.fields.splice(j, 0, f);
          }
          save(); redraw();
        });
      });
      fieldList.appendChild(li);
    });
  }
  function openBuilder(schema) {
    model = modelOf(schema);
    builder.hidden = false;
    drawFields();
    previewSoon();
  }
  function showForm(element) {
    var bo = element.businessObject, inline = formElement(bo), file = readProp(bo, "sop.form");
    model = null;
    builder.hidden = true;
    preview.textContent = "";
    if (inline) {
      formChoice.value = "__diagram__";
      try { openBuilder(JSON.parse(inline.body || "{}")); } catch (e) { openBuilder({ type: "object", properties: {} }); }
    } else {
      if (file && !Array.prototype.some.call(formChoice.options, function (o) { return o.value === file; })) {
        option(formChoice, file, file);  /* a form this server lacks */
      }
      formChoice.value = file;
    }
    openFile.hidden = !file || !!inline;
  }
  formChoice.addEventListener("change", function () {
    if (!current) { return; }
    var value = formChoice.value, element = current;
    if (value === "__diagram__") {
      write(element, "sop.form", "");
      if (!formElement(element.businessObject)) { writeForm(element, { type: "object", properties: {} }); }
      showForm(element);
      return;
    }
    writeForm(element, null);
    write(element, "sop.form", value);
    showForm(element);
  });
  openFile.addEventListener("click", function () {
    var element = current, name = readProp(element.businessObject, "sop.form");
    if (!element || !name) { return; }
    fetch(root.getAttribute("data-form-file-url").replace("__name__", encodeURIComponent(name)),
          { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (schema) {
      write(element, "sop.form", "");
      writeForm(element, schema);
      if (current === element) { showForm(element); }
    }).catch(function (error) { say(error.message); });
  });
  document.getElementById("fb-add").addEventListener("click", function () {
    if (!model) { return; }
    var n = model.fields.length + 1, name = "isian_" + n;
    while (model.fields.some(function (f) { return f.name === name; })) { n += 1; name = "isian_" + n; }
    model.fields.push({ name: name, prop: { type: "string", title: bmsg("new-field"), maxLength: 500 },
                        required: false, when: null });
    save(); drawFields();
    var inputs = fieldList.querySelectorAll('[data-fb="label"]');
    if (inputs.length) { inputs[inputs.length - 1].focus(); }
  });

  function show(element) {
    /* a step, or the start event (its form is what a new case is started with) */
    current = element && (element.type === "bpmn:UserTask" || element.type === "bpmn:StartEvent") ? element : null;
    flow = isDecisionFlow(element) ? element : null;
    lane = element && element.type === "bpmn:Lane" ? element : null;
    form.hidden = !current;
    flowForm.hidden = !flow;
    laneForm.hidden = !lane;
    empty.hidden = !!(current || flow || lane);
    if (flow) { showFlow(); }
    if (lane) { showLane(); }
    if (!current) { return; }
    var bo = current.businessObject;
    document.getElementById("panel-id").textContent = bo.id;
    var isStart = current.type === "bpmn:StartEvent";
    form.querySelectorAll(".step-only").forEach(function (el) { el.hidden = isStart; });
    showLaneChoice(current);
    showDuration(current);
    if (!writingForm) { showForm(current); }
    fields().forEach(function (input) {
      var name = input.getAttribute("data-prop");
      var value = name === "name" ? (bo.name || "") : name === "documentation" ? readDoc(bo) : readProp(bo, name);
      if (input.type === "checkbox") { input.checked = value === "true"; } else { input.value = value; }
      if (input.tagName === "SELECT" && value && input.value !== value) { /* a form this server lacks */
        var opt = document.createElement("option"); opt.value = value; opt.textContent = value;
        input.appendChild(opt); input.value = value;
      }
    });
  }

  fields().forEach(function (input) {
    input.addEventListener("change", function () {
      if (!current) { return; }
      var value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value.trim();
      write(current, input.getAttribute("data-prop"), value);
    });
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  /* ---- the process: its key (the BPMN process id) and name ------------------------------- */
  var processForm = document.getElementById("process-form");
  function processTarget() {
    var registry = modeler.get("elementRegistry");
    var participant = registry.filter(function (e) { return e.type === "bpmn:Participant"; })[0];
    if (participant && participant.businessObject.processRef) {
      return { element: participant, bo: participant.businessObject.processRef, participant: participant };
    }
    var root = modeler.get("canvas").getRootElement();
    return { element: root, bo: root.businessObject, participant: null };
  }
  function processProps(input) { return input.getAttribute("data-process-prop"); }
  function showProcess() {
    var target = processTarget();
    Array.prototype.forEach.call(processForm.querySelectorAll("[data-process-prop]"), function (input) {
      if (document.activeElement !== input) { input.value = target.bo[processProps(input)] || ""; }
    });
  }
  Array.prototype.forEach.call(processForm.querySelectorAll("[data-process-prop]"), function (input) {
    input.addEventListener("change", function () {
      var target = processTarget(), modeling = modeler.get("modeling"), value = input.value.trim();
      var update = {}; update[processProps(input)] = value;
      modeling.updateModdleProperties(target.element, target.bo, update);
      if (processProps(input) === "name" && target.participant) {  /* the pool's label says the same */
        modeling.updateProperties(target.participant, { name: value });
      }
    });
  });
  processForm.addEventListener("submit", function (e) { e.preventDefault(); });

  modeler.on("selection.changed", function (e) { show(e.newSelection.length === 1 ? e.newSelection[0] : null); });
  modeler.on("element.changed", function (e) {
    if (current && e.element === current) { show(current); }
    if (flow && (e.element === flow || e.element === flow.source)) { showFlow(); }
    if (lane && e.element === lane) { showLane(); }
  });
  modeler.on("commandStack.changed", function () {
    dirty = true; say(msg("unsaved")); showProcess(); hideDiff(); checkSoon();
    if (current) { showLaneChoice(current); }
  });

  /* ---- problems from the server: marked on their shapes and listed ----------------------- */
  var marked = [];
  function unmark() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (shape) { canvas.removeMarker(shape, "alur-problem"); });
    marked = [];
  }
  function clearProblems() {
    unmark();
    problemsBox.hidden = true;
    problemsBox.querySelector("ul").textContent = "";
  }
  function showProblems(body) {
    unmark();
    document.getElementById("modeler-problems-title").textContent = msg("rejected");
    listProblems(body.problems && body.problems.length ? body.problems : [{ message: body.message }],
                 problemsBox.querySelector("ul"));
    problemsBox.hidden = false;
    problemsBox.scrollIntoView({ block: "nearest" });
  }
  function listProblems(problems, list) {
    var canvas = modeler.get("canvas"), registry = modeler.get("elementRegistry");
    list.textContent = "";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      var shape = p.element_id && registry.get(p.element_id);
      if (shape) {
        canvas.addMarker(shape, "alur-problem");
        marked.push(shape);
        var go = document.createElement("button");
        go.type = "button"; go.className = "link"; go.textContent = (shape.businessObject.name || p.element);
        go.addEventListener("click", function () {
          modeler.get("selection").select(shape);
          if (canvas.scrollToElement) { canvas.scrollToElement(shape); }
        });
        li.appendChild(go);
        li.appendChild(document.createTextNode(" (" + p.element_id + "): "));
      } else if (p.element || p.field) {
        var code = document.createElement("code"); code.textContent = p.element || p.field;
        li.appendChild(code);
        li.appendChild(document.createTextNode((p.line ? " (" + msg("line", { line: p.line }) + ")" : "") + ": "));
      }
      li.appendChild(document.createTextNode(p.message || ""));
      list.appendChild(li);
    });
  }

  /* The server's deploy checks, run on the diagram a moment after each change (nothing stored). */
  var checkBox = document.getElementById("modeler-check");
  var checkTimer = null, checkRun = 0;
  function checkSoon() {
    if (checkTimer) { clearTimeout(checkTimer); }
    checkTimer = setTimeout(runCheck, 700);
  }
  function runCheck() {
    var run = ++checkRun;
    document.getElementById("modeler-check-title").textContent = msg("checking");
    modeler.saveXML({ format: false }).then(function (result) {
      return fetch(root.getAttribute("data-check-url"), {
        method: "POST", credentials: "same-origin", body: result.xml,
        headers: { "Content-Type": "application/xml", "Accept": "application/json",
                   "X-CSRFToken": root.getAttribute("data-csrf") }
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (run !== checkRun) { return; }  /* a newer check is on its way */
      var problems = answer.ok ? answer.body.problems : (answer.body.problems || [{ message: answer.body.message ||
                     (answer.body.error && answer.body.error.message) }]);
      unmark();
      listProblems(problems, checkBox.querySelector("ul"));
      document.getElementById("modeler-check-title").textContent = problems.length
        ? msg("check-problems", { n: problems.length }) : msg("check-clean");
      root.setAttribute("data-checked", String(run));
    }).catch(function () {
      if (run === checkRun) { document.getElementById("modeler-check-title").textContent = ""; }
    });
  }

  /* ---- publish: first what changes against the deployed version, then the new version ---- */
  var diffBox = document.getElementById("modeler-diff");
  var diffUrl = root.getAttribute("data-diff-url");
  function hideDiff() { if (diffBox) { diffBox.hidden = true; } }
  function post(url, xml) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: xml,
      headers: { "Content-Type": "application/xml", "Accept": "application/json",
                 "X-CSRFToken": root.getAttribute("data-csrf") }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error(msg("failed", { status: response.status })); }
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }
  publishButton.addEventListener("click", function () {
    if (!diffUrl) { publish(); return; }
    clearProblems();
    hideDiff();
    publishButton.disabled = true;
    say(msg("comparing"));
    modeler.saveXML({ format: true }).then(function (result) {
      return post(diffUrl, result.xml);
    }).then(function (answer) {
      say("");
      if (!answer.ok) { showProblems(answer.body); return; }
      var list = diffBox.querySelector("ul");
      list.textContent = "";
      answer.body.changes.forEach(function (text) {
        var li = document.createElement("li"); li.textContent = text; list.appendChild(li);
      });
      document.getElementById("modeler-diff-version").textContent = "(" + answer.body.version + ")";
      diffBox.hidden = false;
      document.getElementById("h-modeler-diff").focus();
    }).catch(function (error) {
      say(error.message);
    }).then(function () { publishButton.disabled = false; });
  });
  if (diffBox) {
    document.getElementById("modeler-diff-publish").addEventListener("click", function () { hideDiff(); publish(); });
    document.getElementById("modeler-diff-cancel").addEventListener("click", function () {
      hideDiff(); publishButton.focus();
    });
  }

  function publish() {
    clearProblems();
    publishButton.disabled = true;
    say(msg("saving"));
    modeler.saveXML({ format: true }).then(function (result) {
      return fetch(root.getAttribute("data-save-url"), {
        method: "POST", credentials: "same-origin", body: result.xml,
        headers: { "Content-Type": "application/xml", "Accept": "application/json",
                   "X-CSRFToken": root.getAttribute("data-csrf") }
      });
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error(msg("failed", { status: response.status })); }
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) {
        dirty = false;
        window.location.assign(answer.body.redirect);
        return;
      }
      say("");
      showProblems(answer.body);
    }).catch(function (error) {
      say(error.message);
    }).then(function () { publishButton.disabled = false; });
  }

  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = msg("unsaved"); return e.returnValue; }
  });

  /* ---- the view: the whole diagram in the canvas, clear of the palette; the panel folds away */
  var canvasBox = document.getElementById("modeler-canvas");
  function fit() {
    var canvas = modeler.get("canvas");
    canvas.resized();
    var inner = canvas.viewbox().inner;
    var width = canvasBox.clientWidth, height = canvasBox.clientHeight;
    if (!inner || !inner.width || !inner.height || !width || !height) { canvas.zoom("fit-viewport"); return; }
    var palette = canvasBox.querySelector(".djs-palette");
    var margin = 16;
    var left = palette ? palette.getBoundingClientRect().right - canvasBox.getBoundingClientRect().left + margin : margin;
    var scale = Math.min((width - left - margin) / inner.width, (height - 2 * margin) / inner.height, 1);
    if (!(scale > 0)) { canvas.zoom("fit-viewport"); return; }
    var top = Math.max(margin, (height - inner.height * scale) / 2);  /* a wide diagram sits mid-height */
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - top / scale, width: width / scale, height: height / scale });
  }
  document.getElementById("modeler-fit").addEventListener("click", fit);
  var toggle = document.getElementById("modeler-panel-toggle");
  toggle.addEventListener("click", function () {
    var body = document.getElementById("modeler-body");
    var open = toggle.getAttribute("aria-expanded") !== "true";
    body.classList.toggle("panel-collapsed", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = msg(open ? "panel-hide" : "panel-show");
    fit();
  });

  /* ---- load ----------------------------------------------------------------------------- */
  say(msg("loading"));
  /* A draft the server made (an imported SOP table) comes inside the page; otherwise fetch it. */
  var draft = document.getElementById("modeler-draft");
  (draft ? Promise.resolve(draft.value) : fetch(root.getAttribute("data-xml-url"), { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) { throw new Error(String(response.status)); }
    return response.text();
  })).then(function (xml) {
    return modeler.importXML(xml);
  }).then(function () {
    fit();
    dirty = false;
    say("");
    showProcess();
    runCheck();
    root.setAttribute("data-ready", "true");
  }).catch(function (error) {
    say(msg("load-failed") + " " + error.message);
  });
})();
