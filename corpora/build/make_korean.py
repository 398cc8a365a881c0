#!/usr/bin/env python3
"""Build a Korean corpus: the Constitution of the Republic of Korea.

Source: the PyPI wheel konlpy==0.6.0 (fetched with `pip download konlpy==0.6.0
--no-deps`; nothing is installed), file konlpy/data/corpus/kolaw/constitution.txt
(45,859 bytes, UTF-8, CRLF line endings): the Constitution as amended in 1987.

Licence: the konlpy software is GPL-3.0, but the text is not a protected work:
article 7 subparagraph 1 of the Korean Copyright Act (저작권법 제7조 제1호)
excludes "the Constitution, Acts, treaties, decrees, ordinances and rules"
from protection, so no licence attaches to it.

The ten National Assembly bills in the same wheel (konlpy/data/corpus/kobill/)
are left out on purpose: a bill (법률안) is a proposal, not an enacted Act;
article 7 names neither bills nor their written reasons (제안이유), and
subparagraph 2 covers only notices, announcements and directives issued by the
State or local governments. They are not clearly excluded from protection.

Normalisation: Unicode NFC, LF line endings, trailing spaces removed from each
line, one final newline.  Nothing else is changed (the text is Hangul syllables,
digits, punctuation, the middle dot · and the circled numbers ①-⑦).

Usage:
  python3 make_korean.py --out korean.txt
  python3 make_korean.py --wheel konlpy-0.6.0-py2.py3-none-any.whl --out korean.txt
"""
import argparse
import glob
import hashlib
import os
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

MEMBER = "konlpy/data/corpus/kolaw/constitution.txt"


def fetch_wheel(tmp):
    cmd = [sys.executable, "-m", "pip", "download", "konlpy==0.6.0", "--no-deps", "-d", tmp]
    print("+ " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return glob.glob(os.path.join(tmp, "konlpy-0.6.0-*.whl"))[0]


def normalise(text):
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip("\n") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--wheel", help="an already downloaded konlpy-0.6.0 wheel")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(tmp)
        digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
        print("wheel: %s sha256 %s" % (os.path.basename(wheel), digest), file=sys.stderr)
        raw = zipfile.ZipFile(wheel).read(MEMBER).decode("utf-8")
    text = normalise(raw)
    data = text.encode("utf-8")
    with open(args.out, "wb") as out:
        out.write(data)
    print("%s: %d bytes, %d lines, %d characters, %d distinct, sha256 %s" % (
        args.out, len(data), text.count("\n"), len(text), len(set(text)),
        hashlib.sha256(data).hexdigest()), file=sys.stderr)


if __name__ == "__main__":
    main()
