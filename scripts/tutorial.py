#!/usr/bin/env python3
"""Builds docs/tutorial.md from docs/tutorial.md.in, the source files it names and the output of the C
examples, so that every snippet in the tutorial is code the tests compile and run.

    scripts/tutorial.py [--bin-dir DIR]            rewrite docs/tutorial.md
    scripts/tutorial.py --check [--bin-dir DIR]    exit 1 (with a diff) if docs/tutorial.md is not what
                                                   the template, the sources and the programs give now

DIR holds the C examples CMake built (default: build/release, what scripts/test.sh builds). The ctest
docs_tutorial runs the --check form, so a change to a marked region, to the template or to what an
example prints fails the tests until the tutorial is regenerated and committed.

The template is Markdown with directives, each alone on its line:

    {{code PATH NAME}}         the region NAME of the file PATH, in a fenced block (c or swift by the
                               file's extension)
    {{run PROGRAM [LINES]}}    what the C example PROGRAM prints (run from DIR in an empty temporary
                               folder; it must exit 0), in a ```text block; LINES as in 3-7 or 12-
                               (1-based, inclusive; an open end means to the last line) shows a part
    {{printed PATH NAME}}      a ```text block holding the Swift multi-line string literal of region
                               NAME in PATH: the output a Swift test expects its code to print

The template has no fenced blocks of its own (the script refuses them): every block in the tutorial is
code the tests compile and run, or what it prints.

A region is marked in the source with comments alone on their lines,
    /* tutorial:begin NAME */ ... /* tutorial:end NAME */     (C)
    // tutorial:begin NAME ... // tutorial:end NAME          (Swift)
A NAME may be marked several times in one file: its pieces are joined in order with a `...` comment in
place of the lines left out. Regions may nest; the marker lines never appear in the tutorial. Every region
in a file the template names must be used, so no stale marker stays behind.

Standard library only.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "docs", "tutorial.md.in")
OUTPUT = os.path.join(ROOT, "docs", "tutorial.md")
FENCE = "```"

MARKER = re.compile(r"^(\s*)(?:/\*|//)\s*tutorial:(begin|end)\s+([A-Za-z0-9_.-]+)\s*(?:\*/)?\s*$")
DIRECTIVE = re.compile(r"^\{\{(code|run|printed)\s+(.*?)\}\}\s*$")


class TutorialError(Exception):
    pass


def language_of(path):
    if path.endswith((".c", ".h")):
        return "c"
    if path.endswith(".swift"):
        return "swift"
    raise TutorialError(f"{path}: no language for this extension")


def elision(language, indent):
    return indent + ("/* ... */" if language == "c" else "// ...")


class Source:
    """A source file's marked regions: name -> list of pieces, each a list of (line number, text)."""

    def __init__(self, path):
        self.path = path
        full = os.path.join(ROOT, path)
        try:
            with open(full, encoding="utf-8") as f:
                self.lines = f.read().split("\n")
        except OSError as e:
            raise TutorialError(f"cannot read {path}: {e.strerror}")
        self.language = language_of(path)
        self.pieces = {}
        self.used = set()
        open_pieces = {}
        for number, line in enumerate(self.lines, 1):
            match = MARKER.match(line)
            if not match:
                if "tutorial:" in line:
                    raise TutorialError(f"{path}:{number}: malformed tutorial marker: {line.strip()}")
                for piece in open_pieces.values():
                    piece.append((number, line))
                continue
            kind, name = match.group(2), match.group(3)
            if kind == "begin":
                if name in open_pieces:
                    raise TutorialError(f"{path}:{number}: region {name} begins again before it ends")
                open_pieces[name] = []
            else:
                if name not in open_pieces:
                    raise TutorialError(f"{path}:{number}: region {name} ends without having begun")
                piece = open_pieces.pop(name)
                if not any(text.strip() for _, text in piece):
                    raise TutorialError(f"{path}:{number}: region {name} is empty")
                self.pieces.setdefault(name, []).append(piece)
        if open_pieces:
            raise TutorialError(f"{path}: region(s) {', '.join(sorted(open_pieces))} never end")

    def region(self, name):
        """The region's text, dedented, with an elision comment wherever lines were left out."""
        if name not in self.pieces:
            known = ", ".join(sorted(self.pieces)) or "none"
            raise TutorialError(f"{self.path}: no region {name} (regions: {known})")
        self.used.add(name)
        pieces = self.pieces[name]
        out = []
        for i, piece in enumerate(pieces):
            if i > 0:
                # The elision takes the indentation of the first line it stands for.
                gap = [self.lines[n - 1] for n in range(pieces[i - 1][-1][0] + 1, piece[0][0])
                       if not MARKER.match(self.lines[n - 1])]
                hidden = [line for line in gap if line.strip()]
                indent = re.match(r"\s*", hidden[0] if hidden else piece[0][1]).group(0)
                # Blank lines at the edges of what is left out stay, around the elision.
                if gap and not gap[0].strip() and out[-1].strip():
                    out.append("")
                out.append(elision(self.language, indent))
                if gap and not gap[-1].strip() and piece[0][1].strip():
                    out.append("")
            out.extend(text for _, text in piece)
        while out and not out[0].strip():
            out.pop(0)
        while out and not out[-1].strip():
            out.pop()
        if any("\t" in line for line in out):
            raise TutorialError(f"{self.path}: region {name} contains tabs")
        indents = [len(line) - len(line.lstrip(" ")) for line in out if line.strip()]
        cut = min(indents)
        return "\n".join(line[cut:].rstrip() for line in out)

    def swift_string_literal(self, name):
        """The value of the one Swift multi-line string literal (\"\"\" ... \"\"\") in region NAME."""
        text = self.region(name)
        match = re.search(r'"""\n(.*?)\n([ ]*)"""', text, re.S)
        if not match:
            raise TutorialError(f'{self.path}: region {name} holds no multi-line string literal')
        body, indent = match.group(1), match.group(2)
        if "\\" in body:
            raise TutorialError(f"{self.path}: region {name}: escapes in the expected output are not supported")
        lines = body.split("\n")
        for line in lines:
            if line.strip() and not line.startswith(indent):
                raise TutorialError(f"{self.path}: region {name}: a line of the literal is indented less "
                                    f"than its closing delimiter")
        return "\n".join(line[len(indent):] for line in lines)


def run_program(bin_dir, program, cache):
    if program in cache:
        return cache[program]
    exe = os.path.join(bin_dir, program)
    if not os.access(exe, os.X_OK):
        raise TutorialError(f"{exe} is not there: build the C examples first "
                            f"(cmake --build {bin_dir}) or name their folder with --bin-dir")
    with tempfile.TemporaryDirectory(prefix="swish-tutorial-") as work:
        result = subprocess.run([exe], cwd=work, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise TutorialError(f"{program} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    cache[program] = result.stdout
    return result.stdout


def select_lines(text, spec, program):
    lines = text.rstrip("\n").split("\n")
    match = re.fullmatch(r"(\d+)-(\d*)", spec)
    if not match:
        raise TutorialError(f"{{{{run {program} {spec}}}}}: lines are given as FIRST-LAST or FIRST-")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else len(lines)
    if not 1 <= first <= last <= len(lines):
        raise TutorialError(f"{program} printed {len(lines)} lines; lines {spec} are not among them")
    return "\n".join(lines[first - 1:last])


def fenced(language, text):
    if any(re.match(r" {0,3}" + FENCE, line) for line in text.split("\n")):
        raise TutorialError(f"a block to show has a line starting with {FENCE}, which would end its fence")
    return f"{FENCE}{language}\n{text.rstrip()}\n{FENCE}"


def generate(bin_dir):
    try:
        with open(TEMPLATE, encoding="utf-8") as f:
            template = f.read()
    except OSError as e:
        raise TutorialError(f"cannot read {TEMPLATE}: {e.strerror}")
    sources, runs, out = {}, {}, []

    def source(path):
        if path not in sources:
            sources[path] = Source(path)
        return sources[path]

    rel_template = os.path.relpath(TEMPLATE, ROOT)
    for number, line in enumerate(template.split("\n"), 1):
        match = DIRECTIVE.match(line)
        if not match:
            if "{{" in line:
                raise TutorialError(f"{rel_template}:{number}: not a directive: {line.strip()}")
            if line.lstrip().startswith(FENCE):
                raise TutorialError(f"{rel_template}:{number}: a fenced block written by hand; every block of "
                                    f"the tutorial comes from a directive, so it is code the tests run")
            out.append(line)
            continue
        kind, args = match.group(1), match.group(2).split()
        try:
            if kind == "code" and len(args) == 2:
                src = source(args[0])
                out.append(fenced(src.language, src.region(args[1])))
            elif kind == "printed" and len(args) == 2:
                out.append(fenced("text", source(args[0]).swift_string_literal(args[1])))
            elif kind == "run" and len(args) in (1, 2):
                printed = run_program(bin_dir, args[0], runs)
                if len(args) == 2:
                    printed = select_lines(printed, args[1], args[0])
                out.append(fenced("text", printed))
            else:
                raise TutorialError(f"wrong arguments for {kind}")
        except TutorialError as e:
            raise TutorialError(f"{rel_template}:{number}: {e}")
    for path, src in sources.items():
        unused = sorted(set(src.pieces) - src.used)
        if unused:
            raise TutorialError(f"{path}: region(s) {', '.join(unused)} are marked but not shown "
                                f"(use them in {rel_template} or remove the markers)")
    header = ("<!-- Generated by scripts/tutorial.py from docs/tutorial.md.in, the source files it names and "
              "what the C examples print. Do not edit: edit those, then run scripts/tutorial.py. -->\n")
    return header + "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with docs/tutorial.md instead of writing it")
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "release"),
                        help="where CMake built the C examples (default: build/release)")
    args = parser.parse_args()
    try:
        text = generate(os.path.abspath(args.bin_dir))
    except TutorialError as e:
        print(f"tutorial.py: {e}", file=sys.stderr)
        return 1
    if args.check:
        try:
            with open(OUTPUT, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = ""
        if current != text:
            diff = list(difflib.unified_diff(current.split("\n"), text.split("\n"), "docs/tutorial.md (committed)",
                                             "docs/tutorial.md (generated now)", lineterm="", n=2))
            print("\n".join(diff[:200]))
            if len(diff) > 200:
                print(f"... ({len(diff) - 200} more diff lines)")
            print("\ndocs/tutorial.md is out of date: run scripts/tutorial.py --bin-dir "
                  f"{os.path.relpath(os.path.abspath(args.bin_dir), ROOT)} and commit the result", file=sys.stderr)
            return 1
        print("docs/tutorial.md is what docs/tutorial.md.in, the marked sources and the examples give")
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUTPUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
