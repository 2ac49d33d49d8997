"""The pages of the web service, one module per area."""

from fastapi import APIRouter


def all_routers() -> tuple[APIRouter, ...]:
    """Every router of the web service (each one checks CSRF on state-changing requests, but
    the one-click unsubscribe link's: its signed token is the credential, RFC 8058)."""
    from itpp_web.routes import (
        admin,
        amendments,
        attachments,
        auth,
        calendar,
        comments,
        commitments,
        documents,
        exchanges,
        inbox,
        live,
        plan_life,
        plans,
        profile,
        reviews,
        saved_views,
        search,
        unsubscribe,
        updates,
        versions,
        webhooks,
    )

    return (
        auth.router,
        # Before plans: /plans/new and /plans/import are not plan ids.
        plan_life.router,
        plans.router,
        inbox.router,
        search.router,
        profile.router,
        admin.router,
        unsubscribe.router,
        commitments.router,
        updates.router,
        exchanges.router,
        comments.router,
        attachments.router,
        saved_views.router,
        versions.router,
        calendar.router,
        documents.router,
        reviews.router,
        amendments.router,
        webhooks.router,
        live.router,
    )
