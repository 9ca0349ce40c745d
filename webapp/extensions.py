"""Flask extensions, created unbound here and bound in ``create_app``."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from engine.models import Base

# expire_on_commit=False, as in the engine's own sessions (engine/db.py): a request that commits and
# then shapes its answer from the same rows does not re-read every row it already holds.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
