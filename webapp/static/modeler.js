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

  var modeler = new window.BpmnJS({
    container: document.getElementById("modeler-canvas"),  /* keys act when the canvas has focus */
    moddleExtensions: { spiffworkflow: SPIFF }
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

  function show(element) {
    current = element && element.type === "bpmn:UserTask" ? element : null;
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
    showLaneChoice(current);
    showDuration(current);
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
