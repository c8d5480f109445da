"""Writes as real clients make them, over HTTP against a live `zimei serve`, remembering which
ones were acknowledged, so a fault test can check that every one of them is in the database.

What counts as an acknowledgement (the answer a client acts on):
- publish: the API's 201 to `POST /api/v1/articles` (the draft exists) and its 200 to
  `POST /api/v1/articles/{id}/publish` (the article has the status the answer gave);
- share: the 204 to `POST /share/{id}/link/` by a new reader from its own address (counted once
  more on that article);
- follow / unfollow: the 302 to `POST /zh-hans/u/{id}/follow/` (the follow exists or not);
- register: the 302 to `POST /zh-hans/accounts/register/` (the account exists);
- view: the article page, then its view beacon (`POST /views/{id}/`, as the page's script
  sends it); the beacon's 204 says nothing about counting (views are counted in batches behind
  it); a view is acknowledged once flushed to the database. The check allows the
  views a killed worker held (at most FLUSH_SECONDS' worth) and nothing else.

Each request is a fresh connection with a short timeout; anything that is not an answer
(reset, refused, timeout) is kept as such, never as an acknowledgement."""

from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PASSWORD = "load-test-pass-123"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
BODY = (
    "<p>城市的夜晚总有一些值得记录的小事：{n} 号的面包店在凌晨两点亮起灯，"
    "送报的师傅骑着旧自行车穿过小巷，街角的书店把新到的诗集摆在窗前。</p>"
)


@dataclass
class Answer:
    kind: str
    status: int  # 0: no answer (reset, refused, timeout)
    started: float
    took: float
    body: bytes = b""
    error: str = ""
    headers: object = None  # http.client's HTTPMessage: .get(name) ignores case


class Client:
    """One browser-like client: its own cookies, a fresh connection per request."""

    def __init__(self, port: int, *, timeout: float = 15, agent: str = BROWSER, source: str = "") -> None:
        self.port = port
        self.timeout = timeout
        self.agent = agent
        self.source = source  # the address it connects from (any 127.x.y.z is this machine)
        self.cookies: dict[str, str] = {}

    def request(
        self, kind: str, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        all_headers = {"User-Agent": self.agent, "Connection": "close", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        source = (self.source, 0) if self.source else None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout, source_address=source)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Answer(
                kind, response.status, started, time.monotonic() - started, data, "", response.headers
            )
        except (OSError, http.client.HTTPException) as exc:
            return Answer(kind, 0, started, time.monotonic() - started, error=repr(exc))
        finally:
            conn.close()

    def form(self, kind: str, path: str, fields: dict[str, str]) -> Answer:
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request(
            kind,
            "POST",
            path,
            body=urlencode(data).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def register(self, username: str) -> Answer:
        page = self.request("register-form", "GET", "/zh-hans/accounts/register/")
        if page.status != 200:
            return page
        return self.form(
            "register",
            "/zh-hans/accounts/register/",
            {"username": username, "password": PASSWORD, "password_confirm": PASSWORD, "next": ""},
        )


@dataclass
class Results:
    answers: list[Answer] = field(default_factory=list)
    drafts: set[int] = field(default_factory=set)  # 201 to create
    published: dict[int, str] = field(default_factory=dict)  # 200 to publish: id -> status
    shares: Counter = field(default_factory=Counter)  # article id -> acknowledged shares
    follows: dict[tuple[str, int], bool] = field(default_factory=dict)  # last op, if acknowledged
    registered: set[str] = field(default_factory=set)
    views: list[tuple[float, int]] = field(default_factory=list)  # (answered at, article id)

    def statuses(self) -> Counter:
        return Counter((a.kind, a.status) for a in self.answers)

    def acknowledged(self) -> dict[str, int]:
        return {
            "drafts": len(self.drafts),
            "publishes": len(self.published),
            "shares": sum(self.shares.values()),
            "follow ops": sum(1 for a in self.answers if a.kind == "follow" and a.status == 302),
            "registrations": len(self.registered),
            "views answered": len(self.views),
        }


class WriteLoad:
    """`threads` clients, each doing a random mix of publishes (API), shares, follows and
    unfollows, registrations and article views until `stop()`."""

    WEIGHTS = {"publish": 2, "share": 4, "follow": 3, "register": 1, "view": 6}

    def __init__(
        self,
        port: int,
        *,
        token: str,
        articles: list[int],
        creators: list[int],
        threads: int = 8,
        timeout: float = 15,
        weights: dict[str, int] | None = None,
    ) -> None:
        self.port = port
        self.token = token
        self.articles = articles
        self.creators = creators
        self.threads = threads
        self.timeout = timeout
        self.weights = weights or self.WEIGHTS
        self.results = Results()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._serial = itertools.count()
        self.run_id = uuid.uuid4().hex[:6]

    # --- the operations -------------------------------------------------------------------

    def _api(self, client: Client, kind: str, path: str, data: dict) -> Answer:
        return client.request(
            kind,
            "POST",
            "/api/v1" + path,
            body=json.dumps(data, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )

    def publish(self, client: Client) -> list[Answer]:
        n = next(self._serial)
        created = self._api(
            client,
            "create",
            "/articles",
            {"title": f"夜读笔记 {self.run_id} 第 {n} 篇", "body_html": BODY.format(n=n), "channel": "tech"},
        )
        answers = [created]
        if created.status == 201:
            article_id = json.loads(created.body)["id"]
            with self._lock:
                self.results.drafts.add(article_id)
            done = self._api(client, "publish", f"/articles/{article_id}/publish", {})
            answers.append(done)
            if done.status == 200:
                with self._lock:
                    self.results.published[article_id] = json.loads(done.body)["status"]
        return answers

    def share(self, client: Client) -> list[Answer]:
        article_id = random.choice(self.articles)
        # Each share a new reader from its own address: one reader's repeats, and more than a
        # few readers from one address, are not counted (distribution/guard.py).
        answer = self._reader().request("share", "POST", f"/share/{article_id}/link/")
        if answer.status == 204:
            with self._lock:
                self.results.shares[article_id] += 1
        return [answer]

    def follow(self, client: Client, reader: str, state: dict[int, bool]) -> list[Answer]:
        creator_id = random.choice(self.creators)
        following = not state.get(creator_id, False)
        answer = client.form(
            "follow",
            f"/zh-hans/u/{creator_id}/follow/",
            {"follow": "1" if following else "0", "next": "/zh-hans/following/"},
        )
        with self._lock:
            if answer.status == 302:
                state[creator_id] = following
                self.results.follows[(reader, creator_id)] = following
            else:  # not acknowledged: it may or may not have happened, so no claim either way
                self.results.follows.pop((reader, creator_id), None)
                state.pop(creator_id, None)
        return [answer]

    def register(self, client: Client) -> list[Answer]:
        name = f"r{self.run_id}x{next(self._serial)}"
        answer = Client(self.port, timeout=self.timeout).register(name)
        if answer.status == 302:
            with self._lock:
                self.results.registered.add(name)
        return [answer]

    def view(self, client: Client) -> list[Answer]:
        article_id = random.choice(self.articles)
        # Each view a new reader (its own agent and address), so none is a repeat the counter
        # leaves out, nor beyond what one address may count (distribution/guard.py).
        reader = self._reader()
        page = reader.request("view", "GET", f"/zh-hans/a/{article_id}/")
        if page.status != 200:
            return [page]
        # The page's script sends the view beacon once the reader sees it (distribution/beacon.py).
        beacon = reader.request(
            "view", "POST", f"/views/{article_id}/", headers={"Sec-Fetch-Site": "same-origin"}
        )
        if beacon.status == 204:
            with self._lock:
                self.results.views.append((page.started + page.took, article_id))
        return [page, beacon]

    def _reader(self) -> Client:
        """A new reader: its own agent, connecting from its own 127.x.y.z address."""
        a, b, c = (random.randrange(1, 255) for _ in range(3))
        agent = f"{BROWSER} r/{uuid.uuid4().hex[:12]}"
        return Client(self.port, timeout=self.timeout, agent=agent, source=f"127.{a}.{b}.{c}")

    # --- running ---------------------------------------------------------------------------

    def _run(self, index: int) -> None:
        client = Client(self.port, timeout=self.timeout)
        reader = f"r{self.run_id}t{index}"
        signed_in = client.register(reader).status == 302
        if signed_in:
            with self._lock:
                self.results.registered.add(reader)
        state: dict[int, bool] = {}
        kinds = [k for k in self.weights if signed_in or k != "follow"]
        weights = [self.weights[k] for k in kinds]
        while not self._stop.is_set():
            kind = random.choices(kinds, weights)[0]
            if kind == "follow":
                answers = self.follow(client, reader, state)
            else:
                answers = getattr(self, kind)(client)
            with self._lock:
                self.results.answers.extend(answers)
            if any(a.status in (0, 503) for a in answers):
                time.sleep(0.05)  # as a client would, rather than spin against an outage

    def start(self) -> WriteLoad:
        for i in range(self.threads):
            thread = threading.Thread(target=self._run, args=(i,), name=f"load-{i}", daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def stop(self) -> Results:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=self.timeout + 10)
        return self.results


def ids_on_page(html: str, pattern: str) -> list[int]:
    return sorted({int(m) for m in re.findall(pattern, html)})


# --- what the database holds ---------------------------------------------------------------


def query(server, sql: str) -> list[tuple]:
    """Rows of `sql` from the live server's database (its SQLite file or its PostgreSQL)."""
    url = server.env.get("ZIMEI_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()
    import sqlite3

    conn = sqlite3.connect(server.data_dir / "zimei.sqlite3", timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@dataclass
class Counts:
    shares: dict[int, int]
    views: dict[int, int]

    @classmethod
    def read(cls, server) -> Counts:
        rows = query(server, "SELECT id, share_count, view_count FROM articles_article")
        return cls({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})


def lost_writes(server, results: Results, before: Counts) -> list[str]:
    """Every acknowledged write that the database does not hold (empty: none lost)."""
    missing: list[str] = []
    statuses = dict(query(server, "SELECT id, status FROM articles_article"))
    missing += [f"draft {i}" for i in sorted(results.drafts) if i not in statuses]
    missing += [
        f"article {i}: answered {s}, holds {statuses.get(i)}"
        for i, s in sorted(results.published.items())
        if statuses.get(i) != s
    ]
    after = Counts.read(server)
    missing += [
        f"article {i}: {n} shares acknowledged, {after.shares.get(i, 0) - before.shares.get(i, 0)} counted"
        for i, n in sorted(results.shares.items())
        if after.shares.get(i, 0) - before.shares.get(i, 0) < n
    ]
    users = {r[0] for r in query(server, "SELECT username FROM accounts_user")}
    missing += [f"account {u}" for u in sorted(results.registered - users)]
    follows = set(
        query(
            server,
            "SELECT u.username, f.creator_id FROM accounts_follow f "
            "JOIN accounts_user u ON u.id = f.follower_id",
        )
    )
    missing += [
        f"{reader} {'follows' if want else 'does not follow'} {creator}: not so in the database"
        for (reader, creator), want in sorted(results.follows.items())
        if ((reader, creator) in follows) != want
    ]
    return missing


def views_counted(server, before: Counts) -> int:
    after = Counts.read(server)
    return sum(after.views.get(i, 0) - n for i, n in before.views.items())
