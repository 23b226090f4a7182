"""The public complaint page and the complainant's satisfaction link: no login, plain POST.

Abuse protection as on the public survey pages: a per-IP rate limit (429 with a friendly page),
a honeypot field, size limits. Contact details are kept only with explicit consent (PIPA:
purpose, items and retention period are shown next to the fields).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.exceptions import SqmsError
from sqms.core.ratelimit import client_ip, hit
from sqms.feedback import complaints as services
from sqms.feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintIntake,
    ComplaintSeverity,
)
from sqms.feedback.public import HONEYPOT, _language
from sqms.org.models import Channel, Service, Site

RATE_LIMIT = 10
RATE_WINDOW = 600
FIELDS = ("subject", "description", "complainant_name", "complainant_phone", "complainant_email")


def _limited(request: HttpRequest, lang: str) -> HttpResponse:
    return render(request, "feedback/public_complaint_limited.html", {"lang": lang}, status=429)


def _pick(model: Any, raw: str) -> Any:
    if not raw or not raw.isdigit() or len(raw) > 18:
        return None
    return model.objects.filter(pk=int(raw), archived_at__isnull=True).first()


@login_not_required
@require_http_methods(["GET", "POST"])
def public_complaint(request: HttpRequest) -> HttpResponse:
    lang = _language(request)
    with translation.override(lang):
        errors: dict[str, str] = {}
        values = dict.fromkeys(FIELDS, "")
        picked = {"service": "", "site": "", "category": ""}
        consent = False
        if request.method == "POST":
            if not hit(
                scope="complaint",
                key=client_ip(request),
                limit=RATE_LIMIT,
                window_seconds=RATE_WINDOW,
            ):
                return _limited(request, lang)
            thanks = reverse("feedback:public_complaint_thanks")
            if request.POST.get(HONEYPOT):
                return redirect(f"{thanks}?lang={lang}")
            values = {
                name: str(request.POST.get(name, ""))[: services.MAX_PUBLIC_DESCRIPTION + 1]
                for name in FIELDS
            }
            picked = {k: str(request.POST.get(k, ""))[:20] for k in picked}
            consent = request.POST.get("consent") in ("on", "true", "1", "yes")
            if len(values["description"]) > services.MAX_PUBLIC_DESCRIPTION:
                errors["description"] = translation.gettext(
                    "Please keep this under %(n)d characters."
                ) % {"n": services.MAX_PUBLIC_DESCRIPTION}
            else:
                try:
                    complaint = services.complaint_receive(
                        actor=None,
                        intake=ComplaintIntake.PUBLIC,
                        subject=values["subject"],
                        description=values["description"],
                        severity=ComplaintSeverity.MEDIUM,
                        category=_pick(ComplaintCategory, picked["category"]),
                        service=_pick(Service, picked["service"]),
                        site=_pick(Site, picked["site"]),
                        channel=Channel.WEB,
                        language=lang,
                        complainant_name=values["complainant_name"],
                        complainant_phone=values["complainant_phone"],
                        complainant_email=values["complainant_email"],
                        consent=consent,
                        ip=client_ip(request),
                    )
                except services.ComplaintInvalid as exc:
                    errors = exc.errors
                except SqmsError as exc:
                    errors = {"": str(exc)}
                else:
                    return redirect(f"{thanks}?lang={lang}&ref={complaint.reference}")
        context = {
            "lang": lang,
            "other_lang": "en" if lang == "ko" else "ko",
            "errors": errors,
            "values": values,
            "picked": picked,
            "consent_checked": consent,
            "honeypot": HONEYPOT,
            "max_text": services.MAX_PUBLIC_DESCRIPTION,
            "retention_years": services.RETENTION_DAYS // 365,
            "services": list(Service.objects.filter(archived_at__isnull=True).order_by("name")),
            "sites": list(Site.objects.filter(archived_at__isnull=True).order_by("name")),
            "categories": [
                (str(c.pk), c.name_for(lang))
                for c in ComplaintCategory.objects.filter(archived_at__isnull=True)
            ],
        }
        status = 400 if errors else 200
        return render(request, "feedback/public_complaint.html", context, status=status)


@login_not_required
@require_GET
def public_complaint_thanks(request: HttpRequest) -> HttpResponse:
    lang = _language(request)
    ref = request.GET.get("ref", "")
    ref = ref if len(ref) <= 20 and ref.replace("-", "").isalnum() else ""
    with translation.override(lang):
        return render(
            request, "feedback/public_complaint_thanks.html", {"lang": lang, "reference": ref}
        )


@login_not_required
@require_http_methods(["GET", "POST"])
def public_complaint_satisfaction(request: HttpRequest, token: str) -> HttpResponse:
    """The complainant rates the handling once, through the link sent with the reply."""
    complaint = (
        Complaint.objects.filter(satisfaction_token=token[:64]).first()
        if token and len(token) >= 16
        else None
    )
    if complaint is None:
        raise Http404
    lang = (
        _language(request)
        if request.GET.get("lang") or request.POST.get("lang")
        else (complaint.language if complaint.language in ("ko", "en") else "ko")
    )
    with translation.override(lang):
        error = ""
        done = complaint.satisfaction is not None
        if request.method == "POST" and not done:
            if not hit(
                scope="complaint",
                key=client_ip(request),
                limit=RATE_LIMIT,
                window_seconds=RATE_WINDOW,
            ):
                return _limited(request, lang)
            raw = str(request.POST.get("satisfaction", ""))[:3]
            if not raw.isdigit() or not 1 <= int(raw) <= 5:
                error = translation.gettext("Choose a score between 1 and 5.")
            else:
                try:
                    services.complaint_satisfaction_record(
                        actor=None, complaint=complaint, score=int(raw), via_link=True
                    )
                except SqmsError as exc:
                    error = str(exc)
                else:
                    done = True
        context = {
            "lang": lang,
            "other_lang": "en" if lang == "ko" else "ko",
            "complaint": complaint,
            "error": error,
            "done": done,
            "scores": range(1, 6),
        }
        return render(
            request,
            "feedback/public_complaint_rate.html",
            context,
            status=400 if error else 200,
        )
