"""The chat's views as text: the answer message and the sources panel, from answers
built by hand (tests/assistant/chat_samples.py) with every field of the contract set."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from assistant.answer import REFUSAL, Claim, Draft, UnansweredPart, unanswered_parts
from assistant.chat_sources import legend_html, placeholder_html, sources_html
from assistant.chat_view import answer_html, chat_texts, drafting_html, reveal_steps
from assistant.evidence import LEGEND
from assistant.render import NO_PREMISE_EVIDENCE, render_markdown
from tests.assistant.chat_samples import SCRIPT_URL, make_answer, make_citation, make_refusal

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}


class Markup(HTMLParser):
    """Tags, attributes and text of an HTML fragment, and whether its tags balance."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.balanced = True
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def by_id(self, element_id: str) -> tuple[str, dict[str, str | None]]:
        return next(e for e in self.elements if e[1].get("id") == element_id)

    def attr_values(self, name: str) -> list[str]:
        return [str(a[name]) for _, a in self.elements if a.get(name) is not None]


def well_formed(text: str) -> bool:
    markup = Markup(text)
    return markup.balanced and not markup.stack


def test_the_premise_check_comes_first_then_the_bottom_line_then_the_evidence() -> None:
    message = answer_html(make_answer())
    order = [
        message.index(marker)
        for marker in ("cw-premise", "cw-bottom", "From the Guidelines", "From the Research")
    ]
    assert order == sorted(order)
    assert "The question assumes: “anti-MAG titres measure &lt;i&gt;disease&lt;/i&gt; activity”" in message
    assert (
        "Rituximab did not improve the primary outcome."
        in message.split("cw-bottom")[1].split("</section>")[0]
    )


def test_a_premise_no_source_speaks_to_is_shown_with_that_said() -> None:
    """The answer must not read as confirming a premise the sources say nothing on."""
    full = make_answer()
    without = make_answer(citations=[c for c in full.citations if c.role != "premise"], lead=[1])
    message = answer_html(without)
    assert "cw-premise" in message and "The question assumes:" in message
    assert NO_PREMISE_EVIDENCE in message
    assert message.index("cw-premise") < message.index("cw-bottom")
    assert NO_PREMISE_EVIDENCE in render_markdown(without)
    # With evidence on the premise, that evidence is shown instead.
    assert NO_PREMISE_EVIDENCE not in answer_html(full) and NO_PREMISE_EVIDENCE not in render_markdown(full)


def test_a_question_whose_premise_alone_is_checked_says_why_it_has_no_bottom_line() -> None:
    """The premise is corrected; the question itself is not covered, which the bottom line
    says in the chat as in the Markdown, and no "no passage speaks to the premise" line."""
    full = make_answer()
    alone = make_answer(
        citations=[c for c in full.citations if c.role == "premise"],
        lead=[],
        unanswered=[UnansweredPart(part=0, reason=f"{REFUSAL} No passage gives a number of courses.")],
    )
    message = answer_html(alone)
    bottom = message.split("cw-bottom")[1].split("</section>")[0]
    assert "do not answer this question. No passage gives a number of courses." in bottom
    assert message.index("cw-premise") < message.index("cw-bottom")
    assert NO_PREMISE_EVIDENCE not in message and NO_PREMISE_EVIDENCE not in render_markdown(alone)
    assert "No passage gives a number of courses." in render_markdown(alone)


def test_each_marker_is_a_button_whose_popover_holds_its_own_quote_badge_and_reference() -> None:
    answer = make_answer()
    markup = Markup(answer_html(answer))
    buttons = [a for tag, a in markup.elements if tag == "button" and a.get("class") == "cw-cite"]
    assert len(buttons) == len(answer.citations)
    message = answer_html(answer)
    for i, c in enumerate(answer.citations):
        assert markup.by_id(f"cw-cite-a1b2c3-{i}")[0] == "button"
        pop = message.split(f'id="cw-pop-a1b2c3-{i}">')[1].split('<div class="cw-pop"')[0]
        assert f"[{c.n}]" in pop and c.evidence in pop
        assert c.quote in "".join(Markup(pop).text)


def test_text_from_corpus_model_and_user_is_never_markup() -> None:
    answer = make_answer()
    for html_text in (answer_html(answer), sources_html(answer)):
        assert well_formed(html_text)
        tags = {tag for tag, _ in Markup(html_text).elements}
        assert not tags & {"script", "b", "i"}  # from the title, question and premise
        assert "<em>antibodies" not in html_text and "&lt;em&gt;antibodies&lt;/em&gt;" in html_text


def test_a_model_written_link_stays_text() -> None:
    message = answer_html(make_answer())
    assert "See [the download](https://evil.example/x) for *more*." in message
    assert all("evil.example" not in href for href in Markup(message).attr_values("href"))


def test_only_http_links_and_the_pubmed_and_doi_links_we_build_are_live() -> None:
    answer = make_answer()
    for html_text in (answer_html(answer), sources_html(answer)):
        hrefs = Markup(html_text).attr_values("href")
        assert hrefs and all(h.startswith("https://") for h in hrefs)
        assert "https://pubmed.ncbi.nlm.nih.gov/20642582/" in hrefs
    assert SCRIPT_URL in "".join(Markup(sources_html(answer)).text)  # shown as text, for the maintainer


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:x", "data:text/html,x",
                                 "vbscript:x", "//evil.example/x", "https:/nohost", "http://a b"])  # fmt: skip
def test_unsafe_addresses_never_become_links(url: str) -> None:
    answer = make_answer(citations=[make_citation(pmid=None, doi=None, url=url)], lead=[])
    for html_text in (answer_html(answer), sources_html(answer)):
        assert Markup(html_text).attr_values("href") == []


def test_a_model_written_link_in_a_refusal_reason_stays_text() -> None:
    refusal = make_refusal(refusal_reason="Not covered; [download the answer](https://evil.example/x).")
    for html_text in (answer_html(refusal), sources_html(refusal)):
        assert "[download the answer](https://evil.example/x)" in html_text
        assert Markup(html_text).attr_values("href") == []


def test_removed_claims_are_counted_and_explained_but_never_shown() -> None:
    message = answer_html(make_answer())
    assert "1 statement removed: not supported by its source." in message
    assert "Rituximab cures 90%" not in message and "Rituximab cures 90%" not in sources_html(make_answer())


def test_a_refusal_says_why_and_what_the_corpus_covers() -> None:
    refusal = make_refusal()
    message, panel = answer_html(refusal), sources_html(refusal)
    assert "Not answered" in message and "diabetes is not one of its subjects" in message
    assert "What the corpus covers:</strong> anti-MAG IgM neuropathy" in message
    assert "No sources cited" in panel and "What the corpus covers" in panel
    dropped = make_refusal(dropped=make_answer().dropped, dropped_claims=1)
    assert "1 statement removed: not supported by its source." in answer_html(dropped)


def test_a_refusal_says_that_it_is_one_once() -> None:
    """The reason the pipeline gives opens with the refusal's own sentence, which the
    heading already says: the reader sees it once, then why."""
    refusal = make_refusal(refusal_reason=f"{REFUSAL} No source mentions 'insulin'.")
    for text in (answer_html(refusal), render_markdown(refusal)):
        assert text.count(REFUSAL) == 1, text
        assert "No source mentions" in text


def test_the_scope_is_labelled_once() -> None:
    """The scope sentence opens "The indexed sources cover: ..."; beside its label the
    chat shows only what follows."""
    from assistant.answer import SCOPE_LEAD

    refusal = make_refusal(scope=f"{SCOPE_LEAD}gout; pseudogout.")
    for text in (answer_html(refusal), sources_html(refusal)):
        assert "What the corpus covers:</strong> gout; pseudogout." in text
        assert SCOPE_LEAD.strip() not in text


def test_secondary_sources_and_provenance_are_marked() -> None:
    answer = make_answer()
    message, panel = answer_html(answer), sources_html(answer)
    assert message.count("cw-tag-secondary") == 1
    assert "Secondary source: quoted only for what no primary source in the corpus states." in panel
    for label in ("Summary written for this corpus", "Abstract", "Publication text"):
        assert label in message and label in panel
    assert "not the publication&#x27;s words" in panel


def test_a_superseded_source_is_marked_on_its_card() -> None:
    plain = make_answer(citations=[make_citation()])
    old = make_answer(citations=[make_citation(superseded_by="doe2024-update")])
    assert "cw-superseded-note" not in sources_html(plain)
    assert "Superseded by a later version in the corpus: doe2024-update." in sources_html(old)


def test_each_quote_is_highlighted_inside_the_sentences_around_it() -> None:
    answer = make_answer()
    panel = sources_html(answer)
    for i, c in enumerate(answer.citations):
        figure = panel.split(f'id="cw-q-a1b2c3-{i}"')[1].split("</figure>")[0]
        text = "".join(Markup(figure).text)
        assert text.index(c.context_before) < text.index(c.quote) < text.index(c.context_after)
        assert "".join(Markup(figure.split('<mark class="cw-quote">')[1].split("</mark>")[0]).text) == c.quote


def test_cards_come_in_number_order_with_badges_coloured_by_level() -> None:
    panel = sources_html(make_answer())
    assert [int(n) for n in re.findall(r'id="cw-src-a1b2c3-(\d+)"', panel)] == [1, 2, 3]
    assert re.findall(r'class="cw-badge cw-lvl-(\d)"', panel) == ["1", "3", "7"]


def test_the_legend_explains_every_level_and_provenance() -> None:
    legend = legend_html()
    for _, text in LEGEND:
        assert text in legend
    assert "Summary written for this corpus" in legend
    assert "What the badges mean" in placeholder_html()


def test_the_panel_carries_the_exports_of_its_answer() -> None:
    panel = sources_html(make_answer())
    for kind in ("md", "ris", "bib"):
        assert f'<pre hidden id="cw-export-{kind}-a1b2c3">' in panel
    assert 'data-cw-copy="a1b2c3"' in panel and 'data-cw-download="ris"' in panel


def test_every_reveal_step_is_well_formed_and_only_the_last_is_finished() -> None:
    steps = reveal_steps(make_answer())
    assert len(steps) > 3 and steps[-1] == answer_html(make_answer())
    assert all(well_formed(step) for step in steps)
    assert ["cw-footer" in step for step in steps] == [False] * (len(steps) - 1) + [True]


def test_progress_while_a_model_writes_shows_counts_never_text() -> None:
    line = drafting_html(1234, 2.4)
    assert "1,234 characters" in line and "checked against its quoted source" in line


def test_chat_texts_are_generic_without_a_corpus_lexicon() -> None:
    texts = chat_texts()
    assert "anti-MAG" not in texts.subtitle and not texts.examples
    assert texts.subtitle in texts.empty_chat


def test_chat_texts_come_from_the_lexicon_of_the_live_index(index_settings) -> None:
    texts = chat_texts(index_settings)
    assert "anti-MAG" in texts.subtitle and len(texts.examples) == 4


def test_a_part_the_sources_do_not_answer_is_said_so_in_the_bottom_line() -> None:
    answer = make_answer(
        parts=["Does rituximab help", "how many <b>sessions</b> are needed"],
        unanswered=[UnansweredPart(part=1, reason=f"{REFUSAL} No passage states a number.")],
    )
    bottom = answer_html(answer).split("cw-bottom")[1].split("</section>")[0]
    assert "Rituximab did not improve the primary outcome." in bottom
    assert "How many &lt;b&gt;sessions&lt;/b&gt; are needed?" in bottom
    assert "The indexed sources do not cover this part. No passage states a number." in bottom


def test_a_part_is_unanswered_when_the_answerer_says_so_or_its_bottom_line_was_dropped() -> None:
    parts = ("Does X help", "how often", "is it safe")
    lead = make_citation(role="lead", part=0)
    kept = Claim("X helped.", "X helped.", "doe2020-trial#0001", role="lead", part=0)
    dropped = Claim("X is safe.", "X is safe.", "doe2020-trial#0001", role="lead", part=2)
    draft = Draft(claims=(kept, dropped), parts=parts, unanswered=((1, f"{REFUSAL} No interval."),))
    found = {u.part: u.reason for u in unanswered_parts(draft, [lead])}
    assert found == {
        1: f"{REFUSAL} No interval.",
        2: f"{REFUSAL} No claim for it survived the citation check.",
    }
    # A part with neither (an earlier bottom line already answers it) is not listed.
    assert unanswered_parts(Draft(claims=(kept,), parts=parts[:2]), [lead]) == []
