from celery import shared_task

from api.services import webhooks


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> None:
    webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task
def deliver_due_webhooks() -> int:
    sent = webhooks.webhook_deliver_due()
    webhooks.webhooks_purge()
    return sent
