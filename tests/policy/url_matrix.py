"""Expected status codes of the policy pages and API, per persona (see tests/test_url_matrix)."""

from __future__ import annotations

from django.urls import reverse

from sqms.core.roles import Role
from sqms.documents.models import DocType
from sqms.policy import services
from tests.documents.factories import make_document
from tests.factories import make_site, make_user
from tests.policy.factories import held_with_minutes, make_objective, make_review
from tests.url_matrix_codes import ALL, API, POST_ONLY, WRITERS

MATRIX: dict[str, tuple[int, ...]] = {
    "policy:policy": ALL,
    "policy:commitment_create": WRITERS,
    "policy:commitment_edit": WRITERS,
    "policy:objective_list": ALL,
    "policy:objective_create": WRITERS,
    "policy:objective_detail": ALL,
    "policy:objective_edit": WRITERS,
    "policy:objective_archive": POST_ONLY,
    "policy:review_list": ALL,
    "policy:review_create": WRITERS,
    "policy:review_detail": ALL,
    "policy:review_edit": WRITERS,
    "policy:review_hold": POST_ONLY,
    "policy:review_minutes": WRITERS,
    "policy:review_action_create": WRITERS,
    "policy:review_sign": WRITERS,
    "policy:review_pdf": ALL,
    "api:objective_list": API,
    "api:objective_create": API,  # same path as the list; GET lists
    "api:objective_detail": API,
    "api:review_list": API,
    "api:review_detail": API,
}

_KWARG = {
    "policy:commitment_edit": "commitment",
    "policy:objective_detail": "objective",
    "policy:objective_edit": "objective",
    "policy:objective_archive": "objective",
    "policy:review_detail": "review",
    "policy:review_edit": "review",
    "policy:review_hold": "review",
    "policy:review_minutes": "review",
    "policy:review_action_create": "review",
    "policy:review_sign": "review",
    "policy:review_pdf": "review",
    "api:objective_detail": "objective",
    "api:review_detail": "review",
}


def make_objects() -> dict[str, int]:
    """The policy document with a commitment, an organisation and a site objective, a held
    review with minutes."""
    qm = make_user(Role.QUALITY_MANAGER)
    policy = make_document(owner=qm, doc_type=DocType.POLICY)
    org = make_objective(actor=qm)
    make_objective(actor=qm, site=make_site(), parent=org)
    commitment = services.commitment_create(
        actor=qm, document=policy, statement_ko="측정하고 개선한다", objectives=[org]
    )
    review = held_with_minutes(make_review(actor=qm), qm)
    return {"commitment": commitment.pk, "objective": org.pk, "review": review.pk}


def url(name: str, objects: dict[str, int]) -> str | None:
    entity = _KWARG.get(name)
    if entity is None:
        return None
    return reverse(name, kwargs={"pk": objects[entity]})
