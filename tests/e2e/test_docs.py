"""The front-end docs cannot drift from what the e2e suite runs:
docs/frontends/README.md shows each config file verbatim, each file's
placeholders are explained in its header, and every config line of the
README's short snippets occurs in a tested config (docs/frontends/ or
tests/e2e/).  The files themselves are what test_nginx.py, test_apache.py
and test_scaleout.py start nginx and Apache with.
"""
import difflib
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2etest import DOCS, E2E, PLACEHOLDER, Suite, check, eq  # noqa: E402

README = os.path.join(DOCS, "README.md")
CONFIG_LANGS = ("nginx", "apache", "yaml")


def files():
    return sorted(f for f in os.listdir(DOCS)
                  if f != "README.md" and not f.startswith("."))


TOP_README = os.path.join(DOCS, "..", "..", "README.md")


def blocks(readme=README):
    """[(marker file or None, language, text)] of a README's fenced blocks."""
    with open(readme) as f:
        text = f.read()
    out = []
    pat = re.compile(r"(?:<!-- file: (\S+) -->\n)?```(\w*)\n(.*?)^```$",
                     re.S | re.M)
    for m in pat.finditer(text):
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def read(path):
    with open(path) as f:
        return f.read()


def files_shown_verbatim():
    shown = {}
    for name, lang, text in blocks():
        if name is None:
            continue
        check(name in files(), "README shows %s, which is not in docs/frontends"
              % name)
        want = read(os.path.join(DOCS, name))
        if text != want:
            diff = difflib.unified_diff(
                want.splitlines(True), text.splitlines(True),
                "docs/frontends/" + name, "README.md's copy")
            raise AssertionError("README.md's copy of %s differs:\n%s" % (
                name, "".join(diff)))
        shown[name] = True
    eq(sorted(shown), files(), "docs/frontends files shown in README.md")


def top_readme_copies_verbatim():
    """The project README shows some of these files too: same rule."""
    n = 0
    for name, lang, text in blocks(TOP_README):
        if name is None:
            continue
        check(name in files(), "README.md shows %s, not in docs/frontends" % name)
        want = read(os.path.join(DOCS, name))
        if text != want:
            diff = difflib.unified_diff(
                want.splitlines(True), text.splitlines(True),
                "docs/frontends/" + name, "README.md's copy")
            raise AssertionError("the project README's copy of %s differs:\n%s"
                                 % (name, "".join(diff)))
        n += 1
    check(n >= 3, "the project README shows the nginx, Apache and scale-out "
          "configs (found %d)" % n)


def placeholders_explained():
    for name in files():
        text = read(os.path.join(DOCS, name))
        comments = "\n".join(l for l in text.splitlines()
                             if l.lstrip().startswith("#"))
        used = set()
        for line in text.splitlines():
            if not line.lstrip().startswith("#"):
                used.update(PLACEHOLDER.findall(line))
        for p in sorted(used):
            check(p in comments, "%s uses %s without explaining it in its "
                  "header comment" % (name, p))


def snippets_are_tested():
    tested = set()
    for d in (DOCS, E2E):
        for name in os.listdir(d):
            p = os.path.join(d, name)
            if os.path.isfile(p) and name != "README.md":
                tested.update(l.strip() for l in read(p).splitlines())
    n = 0
    for name, lang, text in blocks():
        if name is not None or lang not in CONFIG_LANGS:
            continue
        for line in text.splitlines():
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            n += 1
            check(s in tested, "README snippet line %r (```%s) is in no tested "
                  "config (docs/frontends/*, tests/e2e/*)" % (s, lang))
    check(n > 0, "README has config snippets to check")


def main():
    suite = Suite("e2e docs")
    suite.case("README.md shows every docs/frontends file verbatim",
               files_shown_verbatim)
    suite.case("the project README's config copies are verbatim",
               top_readme_copies_verbatim)
    suite.case("every placeholder is explained in its file",
               placeholders_explained)
    suite.case("README snippets come from tested configs", snippets_are_tested)
    return suite.finish()


if __name__ == "__main__":
    sys.exit(main())
