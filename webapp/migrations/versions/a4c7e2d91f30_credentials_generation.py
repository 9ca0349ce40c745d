"""credentials generation: one row that triggers set to a new random value in the same
transaction as any change to users, their roles, roles, API tokens or delegations, so a process
may remember who a token belongs to and still see a revocation on the very next request
(engine/credentials.py)

Revision ID: a4c7e2d91f30
Revises: a4d7e2c91f63
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c7e2d91f30'
down_revision = 'a4d7e2c91f63'
branch_labels = None
depends_on = None

#: table → the changes that alter who may call as whom (the same list as engine/credentials.py).
#: A new token (an insert) is not among them: no process remembers a token it never saw; nor is
#: a token's ``last_used_at`` (noted once a minute by every caller).
CHANGES = {
    "users": ("UPDATE", "DELETE"),
    "user_roles": ("INSERT", "UPDATE", "DELETE"),
    "roles": ("UPDATE", "DELETE"),
    "api_tokens": ("UPDATE OF user_id, token_hash, expires_at", "DELETE"),
    "delegations": ("INSERT", "UPDATE", "DELETE"),
}


def _name(table: str, change: str) -> str:
    return f"credentials_{table}_{change.split()[0].lower()}"


def upgrade():
    op.create_table(
        'credentials_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO credentials_generation (id, value) VALUES (1, (random() * 9.2e18)::bigint)")
        op.execute("""CREATE FUNCTION credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credentials_generation SET value = (random() * 9.2e18)::bigint WHERE id = 1;
    RETURN NULL;
END $$""")
        for table, changes in CHANGES.items():
            # once per statement; TRUNCATE too (it fires no row triggers)
            op.execute(f"CREATE TRIGGER credentials_{table} AFTER {' OR '.join(changes)} OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION credentials_changed()")
    else:
        op.execute("INSERT INTO credentials_generation (id, value) VALUES (1, random())")
        for table, changes in CHANGES.items():
            for change in changes:
                op.execute(f"CREATE TRIGGER {_name(table, change)} AFTER {change} ON {table} FOR EACH ROW "
                           "BEGIN UPDATE credentials_generation SET value = random() WHERE id = 1; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in CHANGES:
            op.execute(f"DROP TRIGGER IF EXISTS credentials_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS credentials_changed()")
    else:
        for table, changes in CHANGES.items():
            for change in changes:
                op.execute(f"DROP TRIGGER IF EXISTS {_name(table, change)}")
    op.drop_table('credentials_generation')
