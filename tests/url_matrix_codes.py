"""Expected status codes per persona, shared by every app's URL matrix.

Order: anonymous, then the roles as `sqms.core.roles.Role` lists them.
"""

from sqms.core.roles import Role

PERSONAS = ["anonymous", *[r.value for r in Role]]
#          anon  admin  qm   owner staff audit exec
ALL = (302, 200, 200, 200, 200, 200, 200)
WRITERS = (302, 200, 200, 403, 403, 403, 403)
AUDIT = (302, 200, 200, 403, 403, 200, 403)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405)
PUBLIC = (200,) * 7
API = (401, 200, 200, 200, 200, 200, 200)
API_DOCS = (302, 200, 200, 200, 200, 200, 200)
