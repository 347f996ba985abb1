# SPDX-License-Identifier: MIT
# The seed service as the benchmark runs it: Flask's development server,
# GET /greet/<name> -> "Hello, <name>!" (text/html, as the seed answers).
# Only the listening address comes from argv; Debian's python3-flask.
#   /usr/bin/python3 tests/bench/flask_app.py 127.0.0.1 18305
import sys

from flask import Flask

app = Flask(__name__)


@app.get('/greet/<name>')
def greet(name):
    return f'Hello, {name}!'


if __name__ == '__main__':
    host = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    app.run(host=host, port=port)
