"""``python manage.py demo [--check]``: the whole service on one machine, with demo data."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealscout import demo


class Command(BaseCommand):
    help = "Migrate, create demo data, and run the web server, the qclusters (workers, dispatcher) and the sandbox marketplace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="wait for the first alert, print it, stop, exit 0")
        parser.add_argument("--timeout", type=int, default=300, help="seconds --check waits for the first alert")
        parser.add_argument("--port", type=int, default=8000, help="web server port (another free one if taken)")
        parser.add_argument("--sandbox-port", type=int, default=8001)

    def handle(self, *args: Any, check: bool, timeout: int, port: int, sandbox_port: int, **options: Any) -> None:
        say = self.stdout.write
        web_port = demo.free_port(None if check else port)
        shop_port = demo.free_port(None if check else sandbox_port)
        if not check and web_port != port:
            say(f"Port {port} is taken; the web server uses {web_port}.")
        web_url, shop_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{shop_port}"
        database = settings.DATABASES["default"]["NAME"]

        say(f"==> Preparing the database ({database})")
        call_command("migrate", verbosity=0, interactive=False)
        say(
            f"==> Creating demo data: two logins, the sandbox marketplace, {len(demo.DEMO_SEARCHES)} saved searches (one with a place and radius)"
        )
        demo.demo_data_create(sandbox_url=shop_url)

        log_dir = settings.VAR_DIR / "demo"
        log_dir.mkdir(parents=True, exist_ok=True)
        procs = demo.DemoProcesses(log_dir=log_dir)
        env = demo.child_env(site_url=web_url)
        say("==> Starting the sandbox marketplace, the web server and the django-q2 clusters (workers, dispatcher)")
        procs.start("sandbox", [demo.python(), "-m", "listings.sandbox", "--port", str(shop_port)], env)
        procs.start("web", [demo.python(), "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"], env)
        procs.start("qcluster", [demo.python(), "manage.py", "qcluster"], env)
        if settings.DISPATCH_CLUSTER:  # the dispatcher's own small cluster and queue (docs/ARCHITECTURE.md)
            dispatch_env = {**env, "Q_CLUSTER_NAME": settings.DISPATCH_CLUSTER, "Q_DISPATCH_WORKERS": "1"}
            procs.start("dispatch", [demo.python(), "manage.py", "qcluster"], dispatch_env)
        try:
            if not demo.wait_for_http(f"{web_url}/health", timeout=60, procs=procs) or not demo.wait_for_http(
                f"{shop_url}/robots.txt", timeout=30, procs=procs
            ):
                raise CommandError(f"A process did not start: {', '.join(procs.dead()) or 'timed out'}. Logs: {log_dir}/")
            self._print_welcome(web_url, shop_url, log_dir)
            if check:
                self._wait_for_first_alert(timeout, procs, log_dir)
            else:
                self._watch(procs, log_dir)
        except KeyboardInterrupt:
            say("")
        finally:
            say("==> Stopping the web server, the qclusters and the sandbox ...")
            procs.stop()
            say("Stopped.")

    def _print_welcome(self, web_url: str, shop_url: str, log_dir: Any) -> None:
        say = self.stdout.write
        say("")
        say(self.style.SUCCESS("Deal Scout is running."))
        say(f"  Web app           {web_url}/             {demo.USER_EMAIL} / {demo.USER_PASSWORD}")
        say("                    deals with their charts, searches, alerts, settings, account")
        say(f"  Operator console  {web_url}/admin/       {demo.STAFF_EMAIL} / {demo.STAFF_PASSWORD}")
        say(f"  API               {web_url}/api/v1/      {demo.USER_EMAIL} / {demo.USER_PASSWORD}")
        say(
            f"                    token: curl -X POST -d email={demo.USER_EMAIL} -d password={demo.USER_PASSWORD} {web_url}/api/v1/auth/login"
        )
        say(f"  Sandbox shop      {shop_url}/search?q=fujifilm")
        say(f"  Health            {web_url}/health")
        say(f"  Logs              {log_dir}/ (web.log, qcluster.log, dispatch.log, sandbox.log)")
        say(f"  E-mails           {self._mail_location(log_dir)}")
        say("The dispatcher runs every minute: the first deals (on the web app's Deals page) and alerts appear within about two minutes.")

    @staticmethod
    def _mail_location(log_dir: Any) -> str:
        backend = settings.EMAIL_BACKEND
        if backend.endswith("filebased.EmailBackend"):
            return f"{settings.EMAIL_FILE_PATH}/ (plain files: each holds the messages one sender wrote, in order)"
        if backend.endswith("smtp.EmailBackend"):
            return f"sent over SMTP to {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        return f"printed in {log_dir}/qcluster.log"

    def _progress(self) -> dict[str, int]:
        counts = demo.demo_counts()
        self.stdout.write(
            f"  [{time.strftime('%H:%M:%S')}] {counts['listings']} listings seen, {counts['matches']} matches, "
            f"{counts['alerts']} alerts ({counts['alerts_sent']} delivered)"
        )
        return counts

    def _watch(self, procs: demo.DemoProcesses, log_dir: Any) -> None:
        self.stdout.write("Press Ctrl-C to stop.\n")
        last: dict[str, int] = {}
        while True:
            time.sleep(5)
            if dead := procs.dead():
                raise CommandError(f"{', '.join(dead)} stopped unexpectedly; see {log_dir}/")
            if demo.demo_counts() != last:
                last = self._progress()

    def _wait_for_first_alert(self, timeout: int, procs: demo.DemoProcesses, log_dir: Any) -> None:
        from alerts.models import Alert

        self.stdout.write(f"Waiting up to {timeout} s for the first alert to be delivered ...")
        deadline = time.monotonic() + timeout
        last: dict[str, int] = {}
        while time.monotonic() < deadline:
            if dead := procs.dead():
                raise CommandError(f"{', '.join(dead)} stopped unexpectedly; see {log_dir}/")
            alert = (
                Alert.objects.filter(user__email=demo.USER_EMAIL, status=Alert.Status.SENT)
                .select_related("listing", "search")
                .order_by("sent_at")
                .first()
            )
            if alert is not None:
                self._progress()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"First alert delivered: {alert.get_kind_display()} for search {alert.search.name!r}: "
                        f"{alert.listing.title} at {alert.price} {alert.currency} ({alert.listing.url})"
                    )
                )
                return
            if demo.demo_counts() != last:
                last = self._progress()
            time.sleep(2)
        raise CommandError(f"No alert was delivered within {timeout} s. Look at {log_dir}/qcluster.log and the Scrape runs in the admin.")
