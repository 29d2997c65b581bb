"""The web app of `search serve` through Starlette's test client: every page and API route,
their errors, escaping, path traversal, the security headers, new commits seen without a
restart, and a bounded load on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import uvicorn
from conftest import NEWSROOM, SPEECHES, filler
from starlette.testclient import TestClient
from typer.testing import CliRunner

from searcher import Article, Index
from searcher.cli import app as cli
from searcher.errors import IndexMissingError
from searcher.web import create_app
from searcher.web.openapi import OPENAPI

OPEC_ID = "desk/papers/opec-ap.json#1"
HOSTILE_ID = "desk/papers/hostile.json#hostile"
# The elements the templates write: any other one on a page came from the data.
_TAGS = (
    "html head meta title link body a header nav main form div label input button fieldset"
    " legend select option section h1 h2 h3 p ol ul li q mark span time details summary"
    " aside article dl dt dd blockquote table thead tbody tr th td code em"
)
PAGE_TAGS = frozenset(_TAGS.split())
TOKAYEV_ID = "desk/papers/ap-troops.json#1"


@pytest.fixture(scope="module")
def client(newsdesk: Index) -> Iterator[TestClient]:
    with TestClient(create_app(newsdesk.path)) as test_client:
        yield test_client


class Page(HTMLParser):
    """What a browser would build from a page: elements with their attributes, links,
    and the text a reader sees."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def links(self, css_class: str = "") -> list[str]:
        return [a["href"] for tag, a in self.elements if tag == "a" and "href" in a]

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.elements if name == tag)


def get_page(client: TestClient, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def cli_json(ix: Index, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--index", str(ix.path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_search_page_shows_ranked_hits_with_marks_facets_and_copies(
    client: TestClient,
) -> None:
    response = client.get("/search?q=oil")
    page = Page(response.text)
    assert "31 articles match" in page.text
    assert "<mark>Oil</mark>" in response.text  # a headline's match marked
    assert page.count("mark") > 10
    assert page.count("li") and "score " in page.text
    assert "AP" in page.text and "2023-02-12" in page.text  # source and date
    # The story printed three times shows once, its copies behind "2 copies".
    assert "Also in 2 other copies" in page.text
    assert page.count("details") >= 1
    for facet in ("source", "year", "author", "topics"):
        assert f"<h2>{facet}</h2>" in response.text
    assert "/search?q=oil&source=Reuters" in page.links()
    assert "/search?q=oil&meta=topics%3Dship" in page.links()
    assert "/search?q=oil&since=2022&until=2022" in page.links()


def test_a_facet_value_filters_on_click_and_its_chip_removes_the_filter(
    client: TestClient,
) -> None:
    page = get_page(client, "/search?q=oil&meta=topics%3Dship")
    assert "8 articles match" in page.text
    assert "/search?q=oil" in page.links()  # the chip that removes it
    page = get_page(client, "/search?q=oil&since=2023&until=2023&source=Reuters")
    assert "articles match" in page.text or "article matches" in page.text
    hidden = [(a["name"], a["value"]) for tag, a in page.elements if a.get("type") == "hidden"]
    assert hidden == [("source", "Reuters")]  # a new query keeps the filters
    chosen = get_page(client, "/search?q=oil&facets=country,language&author=Bob+Ray")
    assert "<h2>language</h2>" in client.get("/search?q=oil&facets=language").text
    hidden = [(a["name"], a["value"]) for tag, a in chosen.elements if a.get("type") == "hidden"]
    assert hidden == [("facets", "country,language"), ("author", "Bob Ray")]
    both = client.get("/api/search?q=oil&since=2023&until=2023&source=Reuters").json()["total"]
    assert 0 < both < client.get("/api/search?q=oil&source=Reuters").json()["total"]
    assert f"{both} article" in page.text


def test_dates_and_sort_order_the_results_and_a_bad_date_is_named(client: TestClient) -> None:
    api = client.get("/api/search?q=oil&sort=newest&limit=5&since=2021").json()
    dates = [hit["date"] for hit in api["hits"]]
    assert dates == sorted(dates, reverse=True) and all(dates)
    page = get_page(client, "/search?q=oil&since=2022-13", status=400)
    assert "since: Not a date: '2022-13'" in page.text
    response = client.get("/api/search?q=oil&sort=sideways")
    assert response.status_code == 400
    assert "sort='sideways'" in response.json()["error"]["message"]


def test_pages_follow_each_other(client: TestClient) -> None:
    first = get_page(client, "/search?q=oil")
    assert "/search?q=oil&page=2" in first.links()
    second = get_page(client, "/search?q=oil&page=2")
    assert "· 11–20" in second.text
    assert "/search?q=oil" in second.links()  # page 1, and the previous one
    last = get_page(client, "/search?q=oil&page=4")
    assert "Next" not in last.text and "/search?q=oil&page=3" in last.links()
    for bad in ("0", "abc", "-1", "99999"):
        page = get_page(client, f"/search?q=oil&page={bad}", status=400)
        assert "page=" in page.text


def test_an_article_opened_from_results_leads_back_to_the_same_search(
    client: TestClient,
) -> None:
    search = "/search?q=oil&since=2020&sort=newest&page=2"
    links = get_page(client, search).links()
    opened = [link for link in links if link.startswith("/articles/")]
    assert opened and all(link.endswith(search.removeprefix("/search")) for link in opened)
    article = get_page(client, opened[0])
    assert search in article.links()  # "Results for oil"
    onward = [link for link in article.links() if link.startswith("/articles/")]
    assert onward and all("q=oil&since=2020" in link for link in onward)


def test_did_you_mean_is_a_link_to_the_corrected_search(client: TestClient) -> None:
    page = get_page(client, "/search?q=corruptoin&source=Reuters")
    assert "Did you mean corruption ?" in page.text
    assert "/search?q=corruption&source=Reuters" in page.links()


def test_a_filter_that_leaves_nothing_is_named(client: TestClient) -> None:
    page = get_page(client, "/search?q=corruption&source=Nobody")
    assert "none of them passes the filter on source" in page.text
    page = get_page(client, "/search?q=corruption&meta=topics%3Dship")
    assert "none of them passes the filter on topics" in page.text


def test_an_empty_search_shows_what_the_index_holds(client: TestClient) -> None:
    page = get_page(client, "/")
    assert "Search 33 articles" in page.text
    assert get_page(client, "/search?q=+").text == page.text


def test_a_malformed_query_is_a_friendly_page_or_a_json_400(client: TestClient) -> None:
    response = client.get("/search", params={"q": "oil AND"})
    assert response.status_code == 400
    page = Page(response.text)
    assert "Cannot run this search" in page.text
    assert "at position" in page.text and "Traceback" not in response.text
    assert ("input", "oil AND") in [("input", a.get("value")) for tag, a in page.elements]
    page = get_page(client, "/search?q=oil+AND&source=AP", status=400)
    assert ("source", "AP") in [(a.get("name"), a.get("value")) for tag, a in page.elements]
    error = client.get("/api/search", params={"q": '"oil'}).json()["error"]
    assert error["status"] == 400 and error["position"] == 0 and error["hint"]
    assert client.get("/api/search").json()["error"]["message"].startswith("Empty query")
    unknown = client.get("/api/search?q=oil&facets=colour").json()["error"]
    assert "Unknown facet 'colour'" in unknown["message"] and "topics" in unknown["hint"]
    assert client.get("/api/search?q=oil&meta=topics").status_code == 400
    assert client.get("/api/search?q=oil&limit=1000").status_code == 400


def test_the_article_page_marks_the_query_and_shows_quotes_copies_and_similar(
    client: TestClient,
) -> None:
    response = client.get(f"/articles/{TOKAYEV_ID.replace('#', '%23')}?q=troops")
    page = Page(response.text)
    assert response.status_code == 200
    assert "<mark>Troops</mark> were sent" in response.text
    assert "We will restore order" in page.text and "Kassym Tokayev" in page.text
    assert "/quotes?q=troops&speaker=Kassym+Tokayev" in page.links()
    assert "Similar articles" in page.text
    opec = get_page(client, f"/articles/{OPEC_ID.replace('#', '%23')}")
    assert "2 other copies of this story" in opec.text
    assert "/articles/desk/papers/opec-reuters.json%231" in opec.links()
    similar = [link for link in opec.links() if link.startswith("/articles/desk/wire/oil")]
    assert similar  # similar articles link to their pages
    get_page(client, similar[0])  # and the reader can follow them


@pytest.mark.parametrize(
    "url",
    [
        "/articles/../../etc/passwd",
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/articles/%2Fetc%2Fpasswd",
        "/articles//etc/passwd",
        "/articles/desk%00",
        "/articles/%00",
        "/api/articles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/similar/%2Fetc%2Fpasswd",
        "/static/../app.py",
        "/static/..%2Fapp.py",
        "/static/%2E%2E/app.py",
        "/static/%00",
    ],
)
def test_ids_and_paths_in_urls_reach_nothing_outside_the_index(
    client: TestClient, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 404, response.text[:300]
    assert "root:" not in response.text and "def create_app" not in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=%00",
        "/search?q=%ED%A0%80",
        "/search?q=oil&since=%00",
        "/search?q=oil&page=%C2%B2",
        "/search?q=oil&recent=nan",
        "/search?q=oil&meta=%00%3D%00",
        "/search?q=oil&facets=%00",
        "/api/search?q=oil&limit=%00",
        "/search?q=" + "oil+" * 600,
        "/search?q=(((((((((((((oil",
        "/quotes?q=corruption&speaker=%21%21",
        "/api/quotes?q=corruption&speaker=%00",
        "/speakers?q=((",
        "/articles/%ED%A0%80",
        "/api/similar/",
    ],
)
def test_hostile_parameters_get_an_answer_never_a_500(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (200, 400, 404), (url, response.text[:300])
    assert "Traceback" not in response.text


def test_the_path_of_a_file_outside_the_index_is_not_read(
    client: TestClient, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER\n\nnot indexed", encoding="utf-8")
    for url in (f"/articles/{secret}", f"/api/articles/{secret}", f"/articles/{secret}%00"):
        response = client.get(url)
        assert response.status_code == 404 and "SECRET-MARKER" not in response.text


def test_hostile_article_text_is_shown_as_text_never_as_markup(client: TestClient) -> None:
    urls = [
        "/search?q=oil+evil",
        f"/articles/{HOSTILE_ID.replace('#', '%23')}?q=alert",
        "/quotes?q=nothing",
        "/stats",
        "/search?q=%3Cscript%3E",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        page = Page(response.text)
        assert page.count("script") == 0 and page.count("img") == 0 and page.count("svg") == 0
        for tag, attrs in page.elements:
            assert not [name for name in attrs if name.startswith("on")], (url, tag, attrs)
            assert not attrs.get("href", "").lower().startswith("javascript"), (url, attrs)
            assert tag in PAGE_TAGS, (url, tag)
    article = client.get(f"/articles/{HOSTILE_ID.replace('#', '%23')}").text
    assert "&lt;script&gt;alert(&#34;headline&#34;)&lt;/script&gt;" in article
    assert "onerror=alert(1)&gt;" in article and "javascript:alert(6)" in Page(article).text


def test_every_answer_forbids_inline_scripts(client: TestClient) -> None:
    for url in ("/search?q=oil", "/static/style.css", "/nowhere", "/api/stats", "/search?q=("):
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert "script-src 'none'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]


def test_quotes_and_speakers_pages(client: TestClient) -> None:
    page = get_page(client, "/quotes?q=corruption")
    assert "1 quote matches corruption" in page.text and "Zauresh Shekenova" in page.text
    response = client.get("/quotes?q=corruption")
    assert "<mark>Corruption</mark>" in response.text
    by_speaker = get_page(client, "/quotes?q=order+protests&speaker=Tokayev")
    assert "We will restore order" in by_speaker.text and "Shekenova" not in by_speaker.text
    assert get_page(client, "/quotes?q=corruption&speaker=Tokayev").text.count("No quotes")
    speakers = get_page(client, "/speakers")
    assert "Most quoted" in speakers.text
    assert "/quotes?speaker=Maria+Lopez" in speakers.links()
    about = get_page(client, "/speakers?q=prices")
    assert "/quotes?q=prices&speaker=Maria+Lopez" in about.links()
    get_page(client, "/quotes")  # the form alone
    assert "Nobody is quoted" in get_page(client, "/speakers?q=zzyzx").text


@pytest.fixture(scope="module")
def speeches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """SPEECHES, and Ann Cole quoted on twelve days in January: more than a page."""
    closed = ("port", "mill", "mine", "yard", "dock", "school")
    closed += ("bank", "pit", "shop", "lab", "farm", "zoo")
    cole = [
        Article(
            id=f"c/{day:02}",
            headline=f"Strike, day {day}",
            body=filler(f"cole-{day}")
            + f"“Day {day} of the strike closed the {place},” said Ann Cole.",
            date=datetime(2006, 1, day, tzinfo=timezone.utc),
        )
        for day, place in enumerate(closed, 1)
    ]
    ix = Index(tmp_path_factory.mktemp("speeches") / "index")
    ix.add([*SPEECHES, *cole])
    with TestClient(create_app(ix.path)) as test_client:
        yield test_client


def test_the_quotes_page_lists_a_speakers_quotes_without_words(speeches: TestClient) -> None:
    blair = get_page(speeches, "/quotes?speaker=Tony+Blair")
    assert "5 quotes by Tony Blair" in blair.text and "score" not in blair.text
    articles = [link.removeprefix("/articles/") for link in blair.links() if "/s/" in link]
    assert articles == ["s/3", "s/6", "s/1", "s/1", "s/2"]
    inputs = {attrs["name"]: attrs for tag, attrs in blair.elements if tag == "input"}
    assert inputs["speaker"]["value"] == "Tony Blair" and "required" not in inputs["q"]
    first = get_page(speeches, "/quotes?speaker=Ann+Cole")
    assert "12 quotes by Ann Cole" in first.text
    assert "/quotes?speaker=Ann+Cole&page=2" in first.links()
    assert first.text.index("Day 12 of") < first.text.index("Day 11 of")
    second = get_page(speeches, "/quotes?speaker=Ann+Cole&page=2").text
    assert "Day 2 of" in second and "Day 1 of" in second and "Day 3 of" not in second
    about = get_page(speeches, "/quotes?q=pensions&speaker=Blair")
    assert "1 quote by Blair matches pensions" in about.text and "score" in about.text
    assert "No quotes by Gordon Brown" in get_page(speeches, "/quotes?speaker=Gordon+Brown").text
    assert "/quotes?speaker=Ann+Cole" in get_page(speeches, "/speakers").links()
    assert "/quotes?speaker=Tony+Blair" in get_page(speeches, "/articles/s/3").links()


def test_the_api_lists_a_speakers_quotes_and_refuses_neither_q_nor_speaker(
    speeches: TestClient,
) -> None:
    doc = speeches.get("/api/quotes?speaker=Ann+Cole&limit=2&offset=1").json()
    assert doc["query"] is None and doc["total"] == 12
    assert [q["article"]["id"] for q in doc["quotes"]] == ["c/11", "c/10"]
    for url in ("/api/quotes", "/api/quotes?q=+&speaker="):
        response = speeches.get(url)
        assert (
            response.status_code == 400 and response.headers["content-type"] == "application/json"
        )
        error = response.json()["error"]
        assert error["status"] == 400
        assert error["message"] == "Quotes need words to look for or a speaker"
        assert "a speaker's name" in error["hint"]


def test_the_stats_page(client: TestClient) -> None:
    page = get_page(client, "/stats")
    assert "Articles 33" in page.text and "Reuters" in page.text
    assert "/search?q=source%3A%22Reuters%22" in page.links()


TOKAYEV_URL = TOKAYEV_ID.replace("#", "%23")
OPEC_URL = OPEC_ID.replace("#", "%23")


@pytest.mark.parametrize(
    ("url", "command"),
    [
        (
            "/api/search?q=oil+prices&facets=source,year",
            ["query", "oil prices", "--json", "--facets", "source,year"],
        ),
        (
            "/api/search?q=oil&limit=5&offset=5&source=Reuters",
            ["query", "oil", "--json", "--limit", "5", "--offset", "5", "--source", "Reuters"],
        ),
        (
            "/api/search?q=oil&sort=oldest&all_copies=1",
            ["query", "oil", "--json", "--sort", "oldest", "--all-copies"],
        ),
        ("/api/quotes?q=corruption", ["quotes", "corruption", "--json"]),
        (
            "/api/quotes?speaker=Tokayev&limit=3",
            ["quotes", "--speaker", "Tokayev", "--json", "-n", "3"],
        ),
        ("/api/speakers", ["speakers", "--json"]),
        ("/api/speakers?q=protests&limit=2", ["speakers", "protests", "--json", "--limit", "2"]),
        (
            f"/api/articles/{TOKAYEV_URL}?q=troops",
            ["show", TOKAYEV_ID, "--json", "--query", "troops"],
        ),
        (f"/api/similar/{OPEC_URL}?limit=3", ["similar", OPEC_ID, "--json", "--limit", "3"]),
        ("/api/stats", ["stats", "--json"]),
    ],
)
def test_the_api_gives_the_documents_of_the_cli(
    client: TestClient, newsdesk: Index, url: str, command: list[str]
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text + "\n" == cli_json(newsdesk, *command)


def test_exports_stream_every_match_as_the_cli_does(client: TestClient, newsdesk: Index) -> None:
    for form in ("csv", "jsonl"):
        response = client.get(f"/api/export?q=oil&source=Reuters&format={form}")
        assert (
            response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        )
        expected = cli_json(newsdesk, "query", "oil", "--source", "Reuters", "--format", form)
        assert response.text.replace("\r\n", "\n") == expected.replace("\r\n", "\n")
    lines = client.get("/api/export?q=oil").text.splitlines()
    assert len(lines) == client.get("/api/search?q=oil&all_copies=1").json()["total"]
    assert client.get("/api/export?q=oil&format=xml").status_code == 400
    assert client.get("/api/export?q=(oil").json()["error"]["position"] == 0
    assert client.get("/api/export?q=zzyzx&format=csv").text.startswith("rank,id,score")


def test_the_openapi_description_names_every_api_route_and_each_answers(
    client: TestClient,
) -> None:
    document = client.get("/api/openapi.json").json()
    assert document == json.loads(json.dumps(OPENAPI)) and document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/search",
        "/api/export",
        "/api/quotes",
        "/api/speakers",
        "/api/articles/{id}",
        "/api/similar/{id}",
        "/api/stats",
    }
    for path in document["paths"]:
        url = path.replace("{id}", OPEC_ID.replace("#", "%23"))
        assert client.get(url, params={"q": "oil"}).status_code == 200, path


def test_unknown_addresses_articles_and_methods(client: TestClient) -> None:
    page = get_page(client, "/nowhere", status=404)
    assert "There is no page at this address" in page.text
    assert client.get("/api/nowhere").json()["error"]["status"] == 404
    missing = get_page(client, "/articles/desk/none.json", status=404)
    assert "No article with id or path 'desk/none.json'" in missing.text
    assert client.get("/api/articles/desk/none.json").json()["error"]["status"] == 404
    assert client.post("/search?q=oil").status_code == 405
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_an_internal_error_is_a_page_without_traceback(
    newsdesk: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    with TestClient(create_app(newsdesk.path), raise_server_exceptions=False) as test_client:
        monkeypatch.setattr(Index, "search", broken)
        response = test_client.get("/search?q=oil")
        assert response.status_code == 500
        assert "Something went wrong" in response.text
        assert "secret internals" not in response.text and "Traceback" not in response.text
        api = test_client.get("/api/search?q=oil")
        assert api.status_code == 500 and "secret" not in api.text


def test_new_commits_show_without_a_restart_and_a_lost_index_is_a_503(tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    ix.add(NEWSROOM)
    with TestClient(create_app(ix.path)) as test_client:
        assert test_client.get("/api/search?q=volcano").json()["total"] == 0
        Index(ix.path).add([Article(id="late/volcano", headline="Volcano erupts", body="Ash.")])
        assert test_client.get("/api/search?q=volcano").json()["total"] == 1
        shutil.rmtree(ix.path)
        page = get_page(test_client, "/search?q=volcano", status=503)
        assert "The index cannot be read" in page.text and "No index at" in page.text
        assert test_client.get("/api/stats").status_code == 503


def test_a_missing_index_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="No index at"):
        create_app(tmp_path / "none")
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: No index at") and "Traceback" not in result.output


def test_serve_refuses_a_port_in_use(newsdesk: Index) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        args = ["serve", "--index", str(newsdesk.path), "--port", str(port)]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"Cannot listen on 127.0.0.1:{port}: Address already in use" in result.output


def test_links_carry_the_whole_state(client: TestClient) -> None:
    url = "/search?q=oil&source=AP&since=2021&sort=newest&all_copies=1&page=2"
    page = get_page(client, "/search?q=oil&source=AP&since=2021&sort=newest&all_copies=1")
    for link in page.links():
        if link.startswith("/search?") and "page=2" in link:
            assert dict(parse_qsl(urlsplit(link).query)) == dict(parse_qsl(urlsplit(url).query))
            break


@pytest.fixture(scope="module")
def served(newsdesk: Index) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(newsdesk.path), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


LOAD_URLS = (
    ("/search?q=oil+prices", 200),
    ("/search?q=oil&source=Reuters&page=2", 200),
    ("/api/search?q=protests&facets=source,year", 200),
    (f"/articles/{OPEC_ID.replace('#', '%23')}?q=opec", 200),
    ("/api/quotes?q=corruption", 200),
    ("/api/export?q=oil&format=csv", 200),
    ("/search?q=oil+AND", 400),
    ("/api/articles/..%2F..%2Fetc%2Fpasswd", 404),
)


def test_concurrent_clients_on_loopback_see_no_failure(served: str) -> None:
    """600 requests from 16 clients at once (bench/web.py runs 2,000 over BBC and Reuters)."""

    def client_run(number: int) -> list[tuple[str, int]]:
        wrong = []
        with httpx.Client(base_url=served, timeout=60) as http:
            for n in range(600 // 16 + 1):
                url, status = LOAD_URLS[(number + n) % len(LOAD_URLS)]
                response = http.get(url)
                if response.status_code != status or not response.content:
                    wrong.append((url, response.status_code))
        return wrong

    with ThreadPoolExecutor(16) as pool:
        failures = [
            item for found in pool.map(client_run, range(16), timeout=300) for item in found
        ]
    assert failures == []


def test_feedback_is_on_as_in_the_cli_and_feedback_0_turns_it_off(
    client: TestClient, newsdesk: Index
) -> None:
    fed = client.get("/api/search?q=oil&all_copies=1").text + "\n"
    plain = client.get("/api/search?q=oil&all_copies=1&feedback=0").text + "\n"
    assert fed == cli_json(newsdesk, "query", "oil", "--json", "--all-copies")
    assert plain == cli_json(newsdesk, "query", "oil", "--json", "--all-copies", "--no-feedback")
    assert json.loads(plain)["total"] > 10 and plain != fed
    exported = client.get("/api/export?q=oil&format=csv&feedback=0").text.replace("\r\n", "\n")
    assert exported == cli_json(newsdesk, "query", "oil", "--format", "csv", "--no-feedback")
    page = get_page(client, "/search?q=oil&feedback=0")
    assert ("input", {"type": "hidden", "name": "feedback", "value": "0"}) in page.elements
    assert all("feedback=0" in link for link in page.links() if link.startswith("/search?"))
