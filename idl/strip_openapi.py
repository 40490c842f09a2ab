#!/usr/bin/env python3
"""Copies the Flyte IDL protos the engine needs into a build folder, dropping the
protoc-gen-openapiv2 options (documentation only, no package ships their definitions).
The google.api.http annotations are kept: the REST gateway is served from them.

usage: strip_openapi.py SRC_PROTOS_DIR DEST_DIR FILE...
"""
import os
import re
import sys

OPTION = re.compile(r'option\s*\(\s*grpc\.gateway\.protoc_gen_openapiv2\.options\.[a-z_0-9]+\s*\)\s*=\s*\{')
IMPORT = re.compile(r'^import\s+"protoc-gen-openapiv2/[^"]*";\s*$', re.M)


def strip(text: str) -> str:
    text = IMPORT.sub('', text)
    out, pos = [], 0
    for match in OPTION.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos:match.start()])
        depth, i = 1, match.end()
        in_string = False
        while depth:
            c = text[i]
            if in_string:
                if c == '\\':
                    i += 1
                elif c == '"':
                    in_string = False
            elif c == '"':
                in_string = True
            elif c == '{':
                depth += 1
            elif c == '}':
                depth -= 1
            i += 1
        while text[i] in ' \t\n':
            i += 1
        if text[i] != ';':
            raise SystemExit(f'unexpected text after openapiv2 option at offset {i}')
        pos = i + 1
    out.append(text[pos:])
    return ''.join(out)


def main() -> None:
    src, dest, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    for name in files:
        with open(os.path.join(src, name), encoding='utf-8') as f:
            text = strip(f.read())
        if 'openapiv2' in text:
            raise SystemExit(f'{name}: an openapiv2 reference survived stripping')
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        previous = None
        if os.path.exists(target):
            with open(target, encoding='utf-8') as f:
                previous = f.read()
        if previous != text:
            with open(target, 'w', encoding='utf-8') as f:
                f.write(text)


if __name__ == '__main__':
    main()
