"""Turn a RealTime QA slice into a decline test: questions the corpus answers and ones it does not.

    python -m benchmarks.make_decline_set ../shared/bench/realtimeqa-dev /work/data/decline-dev \\
        [--store-from /work/data/dev] [--purpose fit|report]

From the slice's questions, those whose answer is *distinctive* (found in at most
``--max-articles`` articles) are candidates; a seeded ``--share`` of them is made unanswerable by
removing every article that contains their answer, in any of the forms an article may give it
(without a title or qualifier: "Lieutenant Uhura", "Uhura"). Any other question whose answer
no longer occurs in what is left becomes unanswerable as well (its articles went with them); the
rest stay answerable, each with the "as of" date of the quiz, when an article near that date
(14 days before to 3 after) still holds the answer; a question whose answer is left only in
articles far from its day is left out. Added to them, asked as of the corpus's newest day:
off-topic and general-knowledge questions (capitals, recipes, arithmetic, history trivia,
requests to write something), and questions about the corpus's own people that no article
answers (an age or a birthplace nobody gives).

Written to the output folder (never into the repository: the articles are the publishers'):
``questions.jsonl`` in the evaluation set format (evals/README.md) and ``removed.txt`` with
the ids of the removed articles. With ``--store-from``, a copy of an ingested store of the
slice (or of a subsample of it: only the articles it holds, and the questions they answer,
are used) is made in ``<out>/store`` and the removed articles are deleted from the copy through
the store's own API (no re-ingest), so ``newsbot --data-dir <out>/store eval
<out>/questions.jsonl`` runs the test.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

from chatbot.answering.coreference import people
from chatbot.evaluation.metrics import in_date_window, normalize_answer
from index.dates import day_or_none

# General knowledge and requests no news archive answers; every one must be declined. Two
# lists of the same kinds: a set built to fit a decision on (``--purpose fit``) never holds the
# questions of a set built to report on it (``--purpose report``).
OFF_TOPIC_FIT = [
    "What is the capital of Argentina?",
    "Which city is the capital of Kenya?",
    "What is the largest desert in the world?",
    "How do I bake sourdough bread at home?",
    "What is a simple recipe for chocolate chip cookies?",
    "How long should I roast a chicken?",
    "What is 48 divided by 6?",
    "What is 9 squared?",
    "How much is 20 percent of 150?",
    "Who was the first president of the United States?",
    "In which year did the Titanic sink?",
    "Who sculpted the statue of David?",
    "When did the French Revolution begin?",
    "Who wrote War and Peace?",
    "Write me a limerick about a cat.",
    "Write a short story about a dragon.",
    "Tell me a riddle.",
    "Translate 'thank you' into German.",
    "What is the chemical formula of water?",
    "How many teeth does an adult human have?",
    "What is the freezing point of water in Fahrenheit?",
    "How do I change a flat tyre?",
    "Write a SQL query that counts rows in a table.",
    "What is the longest river in South America?",
    "Which planet is closest to the sun?",
    "What should I cook for dinner tonight?",
    "How many players are on a basketball team on court?",
    "Who invented the telephone?",
    "What is the plot of Macbeth?",
    "What is the atomic number of carbon?",
]
OFF_TOPIC_REPORT = [
    "What is the capital of Australia?",
    "What is the capital city of Canada?",
    "Which city is the capital of Mongolia?",
    "What is the boiling point of water on Mars?",
    "How do I make banana bread?",
    "What is a good recipe for vegetable lasagna?",
    "How long should I boil an egg for a runny yolk?",
    "What is 17 times 23?",
    "What is the square root of 144?",
    "How much is 15 percent of 240?",
    "Who was the first emperor of Rome?",
    "In which year did the Battle of Hastings take place?",
    "Who painted the ceiling of the Sistine Chapel?",
    # Not "When did the Berlin Wall fall?": the dev slice answers it ("1989: The Berlin Wall
    # falls • Date: Nov. 9" in a list of the top stories since 1950).
    "Which Roman emperor built a wall across northern Britain?",
    "Who wrote Pride and Prejudice?",
    "Write me a poem about the sea.",
    "Write a haiku about autumn leaves.",
    "Tell me a joke about cats.",
    "Translate 'good morning' into Japanese.",
    "What is the chemical symbol for gold?",
    "How many bones are in the adult human body?",
    "What is the speed of light in a vacuum?",
    "How do I reset my router password?",
    "Write a Python function that reverses a string.",
    "What is the tallest mountain in Africa?",
    "Which planet has the most moons?",
    "What should I name my new puppy?",
    "How many players are on a rugby union team?",
    "Who discovered penicillin?",
    "What is the plot of Hamlet?",
]

# Questions about a person the corpus names, which no article answers (checked per name).
PERSON_TEMPLATES = ["How old is {name}?", "In which city was {name} born?"]
# Evidence that an article does give a person's age or birthplace.
_AGE_OR_BIRTH = re.compile(r"\b(?:\d{1,3}-year-old|aged? \d{1,3}|born|birthplace|native of)\b|"
                           r",\s*\d{2},", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _padded(text: str) -> str:
    return f" {normalize_answer(text)} "


# Words around an answer that an article may leave out or put otherwise: a title ("Rep.
# Glenn Thompson", "Lieutenant Uhura"), a qualifier ("At least ten years", "More than 120,000").
_ANSWER_TITLES = frozenset("""
rep representative sen senator gov governor lieutenant lt dr mr mrs ms sir dame gen general
capt captain president prince princess king queen pope
""".split())
_ANSWER_QUALIFIERS = ("at least ", "more than ", "less than ", "fewer than ", "about ",
                      "nearly ", "almost ", "around ", "over ", "up to ")
# A party and state after a name: "Glenn Thompson, R-Pa."
_PARTY_TAG = re.compile(r",\s*[RDI]-[A-Z][A-Za-z]{0,3}\.?\s*$")


def answer_forms(answer: str) -> set[str]:
    """The (normalised) forms in which an article can give ``answer``: as written, without a
    title, qualifier or party tag, and with a last plural made singular ("fire risks": "an
    increased fire risk"). An article in which the answer survives in another form still
    answers the question, so removing a question's answer removes them all."""
    written = normalize_answer(answer)
    core = normalize_answer(_PARTY_TAG.sub("", answer))
    core = next((core[len(q):] for q in _ANSWER_QUALIFIERS if core.startswith(q)), core)
    words = core.split()
    while len(words) > 1 and words[0] in _ANSWER_TITLES:
        words.pop(0)
    forms = {written, " ".join(words)}
    last = words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        singular = last[:-3] + "y" if last.endswith("ies") else last[:-1]
        forms.add(" ".join([*words[:-1], singular]))
    # A form too short to be the answer rather than a common word is left out.
    return {form for form in forms if form and (len(form) >= 4 or any(c.isdigit() for c in form))
            } or {written}


def answer_articles(question: dict, corpus: dict[str, str], *, any_form: bool = False,
                    ) -> set[str]:
    """Ids of the articles whose (normalised) title or text contains one of the answers: as
    written, or with ``any_form`` in any of its ``answer_forms``."""
    answers = [a for a in question["answers"] if normalize_answer(a)]
    wanted = {f" {form} " for a in answers
              for form in (answer_forms(a) if any_form else {normalize_answer(a)})}
    return {article_id for article_id, text in corpus.items() if any(w in text for w in wanted)}


def person_questions(articles: list[dict], kept: set[str], count: int, rng: random.Random,
                     ) -> list[dict]:
    """Age/birthplace questions about people quoted ("X said") in several kept articles, none
    of which (nor any other article) says their age or where they were born."""
    said = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]+) (?:said|says|told)\b|"
                      r"\b(?:said|says) ([A-Z][a-z]+ [A-Z][a-z]+)\b")
    mentions: Counter[str] = Counter()
    for article in articles:
        if article["id"] in kept:
            found = {a or b for a, b in said.findall(article["text"])}
            mentions.update(people(sorted(found)))  # in order: ties rank the same every run
    frequent = [name for name, n in mentions.most_common(400) if n >= 2]
    rng.shuffle(frequent)
    made: list[dict] = []
    for name in frequent:
        surname = name.split()[-1]
        told = any(_AGE_OR_BIRTH.search(sentence)
                   for article in articles if surname in article["text"]
                   for sentence in _SENTENCE.split(article["text"]) if surname in sentence)
        if told:
            continue
        template = PERSON_TEMPLATES[len(made) % len(PERSON_TEMPLATES)]
        made.append({"question": template.format(name=name), "category": "unanswerable-topic",
                     "unanswerable": True})
        if len(made) >= count:
            break
    return made


def build(slice_dir: Path, share: float, max_articles: int, seed: int, people_count: int,
          only: set[str] | None = None, purpose: str = "report",
          questions_file: Path | None = None) -> tuple[list[dict], list[str], int]:
    """The questions, the removed article ids and how many questions were left out because
    only articles from well before or after their day hold the answer (neither label would be
    sure: "Europe" in a story of last year does not answer this week's quiz).

    ``only`` restricts the corpus to the articles a store actually holds (a subsample), and
    questions to those it answers; ``questions_file`` replaces the slice's questions (those of
    a subsample); ``purpose`` ("fit" or "report") picks the off-topic list.
    The added questions are asked as of the corpus's newest day, as a live deployment would
    ask them, not years after it (every article would then look stale)."""
    articles = [a for a in _read_jsonl(slice_dir / "articles.jsonl")
                if only is None or a["id"] in only]
    corpus = {a["id"]: _padded(a.get("title", "") + " " + a["text"]) for a in articles}
    published = {a["id"]: day_or_none(a.get("published") or "") for a in articles}
    questions = _read_jsonl(questions_file or slice_dir / "questions.jsonl")
    holders = {q["id"]: answer_articles(q, corpus) for q in questions}
    questions = [q for q in questions if holders[q["id"]]]
    distinctive = sorted(q["id"] for q in questions if 0 < len(holders[q["id"]]) <= max_articles)
    rng = random.Random(seed)
    chosen = set(rng.sample(distinctive, round(share * len(distinctive))))
    # Distinctive by the answer as written (so the same questions are chosen whatever forms
    # are known), removed in every form it takes.
    removed = set().union(*(answer_articles(q, corpus, any_form=True)
                            for q in questions if q["id"] in chosen))
    kept = set(corpus) - removed
    out: list[dict] = []
    left_out = 0
    for q in questions:
        base = {"id": q["id"], "question": q["question"], "date": q["date"]}
        day = day_or_none(q["date"] or "")
        if q["id"] in chosen or not holders[q["id"]] & kept:
            # Removed, or its answer went with another question's articles.
            out.append({**base, "unanswerable": True, "category": "unanswerable-removed"})
        elif day is None or any(in_date_window(published[i], day) for i in holders[q["id"]] & kept):
            out.append({**base, "answers": q["answers"], "choices": q.get("choices", []),
                        "category": "answerable"})
        else:
            left_out += 1
    newest = max(filter(None, (published[i] for i in kept)), default=None)
    asked = {"date": newest.isoformat()} if newest else {}
    off_topic = OFF_TOPIC_FIT if purpose == "fit" else OFF_TOPIC_REPORT
    out += [{"id": f"offtopic-{i:02d}", "question": text, **asked, "unanswerable": True,
             "category": "off-topic"} for i, text in enumerate(off_topic, 1)]
    for i, item in enumerate(person_questions(articles, kept, people_count, rng), 1):
        out.append({"id": f"topic-{i:02d}", **item, **asked})
    return out, sorted(removed), left_out


def copy_store(source: Path, target: Path) -> set[str]:
    """Copy an ingested store of the slice (never touching the original); the article ids it
    holds."""
    from chatbot.service import create_service
    from chatbot.settings import load_settings

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    (target / ".ready").unlink(missing_ok=True)
    service = create_service(load_settings(config_file=None, data_dir=target))
    return {a.id for a in service.all_articles()}


def remove_articles(target: Path, removed: list[str]) -> int:
    """Delete the removed articles from the copy through the store's API and bring its keyword
    index in step; the articles left."""
    from chatbot.service import create_service
    from chatbot.settings import load_settings
    service = create_service(load_settings(config_file=None, data_dir=target))
    service.remove_articles(removed)
    return service.stats().articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slice", type=Path, help="a RealTime QA slice folder "
                        "(articles.jsonl, questions.jsonl)")
    parser.add_argument("out", type=Path, help="output folder (outside the repository)")
    parser.add_argument("--share", type=float, default=0.5,
                        help="share of the distinctive questions made unanswerable (0.5)")
    parser.add_argument("--max-articles", type=int, default=3,
                        help="an answer found in at most this many articles is distinctive (3)")
    parser.add_argument("--people", type=int, default=20,
                        help="questions about people whose age/birthplace no article gives (20)")
    parser.add_argument("--seed", type=int, default=15,
                        help="draws the questions made unanswerable (15): another seed makes "
                             "another set from the same slice")
    parser.add_argument("--questions", type=Path, default=None,
                        help="the questions of a subsample of the slice (ranker_sample.py writes "
                             "them beside its articles) instead of the slice's own: a question "
                             "whose day the store does not hold is neither sure to be answered "
                             "nor sure not to be")
    parser.add_argument("--purpose", choices=("fit", "report"), default="report",
                        help="fit: a set to fit a decision on (train slice), with off-topic "
                             "questions no report set holds; report: a set to report on (dev)")
    parser.add_argument("--store-from", type=Path, default=None,
                        help="an ingested store (data dir) of the whole slice to copy to "
                             "<out>/store and remove the articles from")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    only = copy_store(args.store_from, args.out / "store") if args.store_from else None
    questions, removed, left_out = build(args.slice, args.share, args.max_articles, args.seed,
                                         args.people, only, args.purpose, args.questions)
    (args.out / "questions.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    (args.out / "removed.txt").write_text("".join(f"{i}\n" for i in removed), encoding="utf-8")
    counts = Counter(q["category"] for q in questions)
    print(f"{len(questions)} questions ({dict(counts)}); {len(removed)} articles removed; "
          f"{left_out} left out (their answer only in articles far from their day)")
    if args.store_from:
        left = remove_articles(args.out / "store", removed)
        print(f"store {args.out / 'store'}: {left} articles")


if __name__ == "__main__":
    main()
