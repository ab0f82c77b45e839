"""Create the `demo` user and its default account; print the generated password once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from paper_trading.services.accounts import account_ensure_default


class Command(BaseCommand):
    help = "Create the demo user (password printed once) and its default paper account."

    def handle(self, *args, **options):
        User = get_user_model()
        user = User.objects.filter(username="demo").first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user("demo", password=password)
            self.stdout.write(f"Created user 'demo' with password: {password}  (shown once; keep it)")
        else:
            self.stdout.write("User 'demo' exists (its password was printed at first setup).")
        account = account_ensure_default(user=user)
        self.stdout.write(f"Default account #{account.pk}: balance {account.balance} {account.currency}")
