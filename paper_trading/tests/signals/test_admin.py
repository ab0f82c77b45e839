"""The admin's signal pages: every one renders; the journal, signals and shadows are read-only;
a webhook token can be switched off there but never shows its digest or secret."""

import pytest

from paper_trading import models
from paper_trading.tests.api.test_admin import url

pytestmark = pytest.mark.django_db
SIGNAL_MODELS = [
    models.Signal,
    models.Decision,
    models.ShadowTrade,
    models.WebhookHook,
    models.SymbolAlias,
]


@pytest.fixture
def every_signal_table(webhook, make_hook, btc, no_limits, user):
    hook, token = make_hook(secret="s3cret-words")
    # skipped below_min_confidence with a stop: a signal, a decision, a shadow and an attempt
    assert (
        webhook(
            token,
            {
                "symbol": "BTCUSD",
                "action": "buy",
                "stop_loss": "59010",
                "confidence": 50,
                "secret": "s3cret-words",
            },
        ).status_code
        == 201
    )
    models.SymbolAlias.objects.create(user=user, alias="BITCOIN", symbol="BTCUSD")
    return hook, token


@pytest.mark.parametrize("model", SIGNAL_MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_view_render(admin_client, every_signal_table, model):
    response = admin_client.get(url(model, "changelist"))
    assert (response.status_code, response.context["cl"].result_count) == (200, 1)
    assert admin_client.get(url(model, "changelist"), {"q": "BTCUSD"}).status_code == 200
    assert admin_client.get(url(model, "change", model.objects.get().pk)).status_code == 200


@pytest.mark.parametrize(
    "model", [models.Signal, models.Decision, models.ShadowTrade], ids=lambda m: m.__name__
)
def test_pipeline_rows_are_read_only(admin_client, every_signal_table, model):
    row = model.objects.get()
    assert admin_client.post(url(model, "change", row.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(url(model, "add")).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_a_token_can_be_switched_off_but_not_added_and_never_shows_its_digest(
    admin_client, every_signal_table
):
    hook, token = every_signal_table
    page = admin_client.get(url(models.WebhookHook, "change", hook.pk)).content.decode()
    assert hook.token_hint in page
    assert token not in page and hook.token_digest not in page and "s3cret-words" not in page
    assert page.count("attempts-0-") > 0  # the attempt log is shown inline
    assert admin_client.get(url(models.WebhookHook, "add")).status_code == 403
    response = admin_client.post(
        url(models.WebhookHook, "change", hook.pk),
        {"attempts-TOTAL_FORMS": "1", "attempts-INITIAL_FORMS": "1"},
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.active is False
