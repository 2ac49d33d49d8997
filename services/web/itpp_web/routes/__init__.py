"""The pages of the web service, one module per area."""

from fastapi import APIRouter


def all_routers() -> tuple[APIRouter, ...]:
    """Every router of the web service (each one checks CSRF on state-changing requests, but
    the one-click unsubscribe link's: its signed token is the credential, RFC 8058)."""
    from itpp_web.routes import (
        amendments,
        auth,
        calendar,
        commitments,
        documents,
        exchanges,
        inbox,
        live,
        plans,
        profile,
        reviews,
        unsubscribe,
        versions,
        webhooks,
    )

    return (
        auth.router,
        plans.router,
        inbox.router,
        profile.router,
        unsubscribe.router,
        commitments.router,
        exchanges.router,
        versions.router,
        calendar.router,
        documents.router,
        reviews.router,
        amendments.router,
        webhooks.router,
        live.router,
    )
