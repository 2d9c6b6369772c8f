"""One SFTP operation with paramiko or asyncssh, for the interop tier (test/interop).

    python3 sftp_client.py LIBRARY PORT USER OPERATION ARG...

LIBRARY is paramiko or asyncssh; the host is always 127.0.0.1. Credentials come from the
environment, never the command line: INTEROP_KEY (a private key file) or INTEROP_PASSWORD.
Host keys are not checked (tests only talk to 127.0.0.1).

Operations (remote paths relative to the login directory):
    put LOCAL REMOTE [preserve]     get REMOTE LOCAL [preserve]
    put-tree LOCAL REMOTE           get-tree REMOTE LOCAL
    rename FROM TO    remove PATH    mkdir PATH    ls PATH
    append PATH TEXT                 open 'a', write TEXT, close
    probe PATH                       open for reading, close without reading
    check-listing DIR/PREFIX...      every file listed in DIR whose name starts with PREFIX:
                                     stat, then read one byte (JSON report)

An error prints what the library raised, as a user of it would see it, and exits 1.
"""

import asyncio
import json
import os
import stat
import sys


def local_files(root):
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            yield os.path.relpath(path, root)


class Paramiko:
    def __init__(self, port, user):
        import paramiko

        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        key = os.environ.get("INTEROP_KEY") or None
        self.client.connect(
            "127.0.0.1",
            port=port,
            username=user,
            key_filename=key,
            password=os.environ.get("INTEROP_PASSWORD") or None,
            look_for_keys=False,
            allow_agent=False,
            timeout=30,
        )
        self.sftp = self.client.open_sftp()

    def close(self):
        self.sftp.close()
        self.client.close()

    def put(self, local, remote, preserve=False):
        self.sftp.put(local, remote)
        if preserve:
            st = os.stat(local)
            self.sftp.utime(remote, (st.st_atime, st.st_mtime))

    def get(self, remote, local, preserve=False):
        self.sftp.get(remote, local)
        if preserve:
            st = self.sftp.stat(remote)
            os.utime(local, (st.st_atime, st.st_mtime))

    def makedirs(self, remote):
        try:
            self.sftp.stat(remote)
        except FileNotFoundError:
            parent = os.path.dirname(remote)
            if parent:
                self.makedirs(parent)
            self.sftp.mkdir(remote)

    def put_tree(self, local, remote):
        for rel in sorted(local_files(local)):
            target = f"{remote}/{rel}"
            self.makedirs(os.path.dirname(target))
            self.sftp.put(os.path.join(local, rel), target)

    def get_tree(self, remote, local):
        os.makedirs(local, exist_ok=True)
        for entry in self.sftp.listdir_attr(remote):
            src = f"{remote}/{entry.filename}"
            dst = os.path.join(local, entry.filename)
            if stat.S_ISDIR(entry.st_mode):
                self.get_tree(src, dst)
            else:
                self.sftp.get(src, dst)

    def rename(self, a, b):
        self.sftp.rename(a, b)

    def remove(self, path):
        self.sftp.remove(path)

    def mkdir(self, path):
        self.sftp.mkdir(path)

    def ls(self, path):
        return sorted(self.sftp.listdir(path))

    def append(self, path, text):
        with self.sftp.open(path, "ab") as f:
            f.write(text.encode())

    def probe(self, path):
        self.sftp.open(path, "rb").close()

    def check_listing(self, wanted):
        report = []
        for spec in wanted:
            folder, _, prefix = spec.rpartition("/")
            for name in sorted(self.sftp.listdir(folder)):
                if name.startswith(prefix):
                    report.append(self._check(f"{folder}/{name}"))
        return report

    def _check(self, path):
        try:
            st = self.sftp.stat(path)
        except OSError as err:
            return {"path": path, "stat": describe(err)}
        if stat.S_ISDIR(st.st_mode):
            return {"path": path, "stat": "ok", "read": "directory"}
        try:
            with self.sftp.open(path, "r") as f:
                f.read(1)
            return {"path": path, "stat": "ok", "read": "ok"}
        except OSError as err:
            return {"path": path, "stat": "ok", "read": describe(err)}


class AsyncSsh:
    """The same operations on asyncssh (each call runs its coroutine to the end)."""

    def __init__(self, port, user):
        import asyncssh

        self.asyncssh = asyncssh
        self.loop = asyncio.new_event_loop()
        key = os.environ.get("INTEROP_KEY") or None
        self.conn = self.run(
            asyncssh.connect(
                "127.0.0.1",
                port,
                username=user,
                client_keys=[key] if key else None,
                password=os.environ.get("INTEROP_PASSWORD") or None,
                known_hosts=None,
                agent_path=None,
                preferred_auth="publickey" if key else "password",
            )
        )
        self.sftp = self.run(self.conn.start_sftp_client())

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def close(self):
        self.sftp.exit()
        self.conn.close()
        self.run(self.conn.wait_closed())

    def put(self, local, remote, preserve=False):
        self.run(self.sftp.put(local, remote, preserve=preserve))

    def get(self, remote, local, preserve=False):
        self.run(self.sftp.get(remote, local, preserve=preserve))

    def put_tree(self, local, remote):
        self.run(self.sftp.makedirs(remote, exist_ok=True))
        for entry in sorted(os.listdir(local)):
            self.run(self.sftp.put(os.path.join(local, entry), f"{remote}/{entry}", recurse=True))

    def get_tree(self, remote, local):
        os.makedirs(local, exist_ok=True)
        for entry in sorted(self.run(self.sftp.listdir(remote))):
            if entry in (".", ".."):
                continue
            self.run(self.sftp.get(f"{remote}/{entry}", os.path.join(local, entry), recurse=True))

    def rename(self, a, b):
        self.run(self.sftp.rename(a, b))

    def remove(self, path):
        self.run(self.sftp.remove(path))

    def mkdir(self, path):
        self.run(self.sftp.mkdir(path))

    def ls(self, path):
        return sorted(n for n in self.run(self.sftp.listdir(path)) if n not in (".", ".."))

    def append(self, path, text):
        async def go():
            async with self.sftp.open(path, "ab") as f:
                await f.write(text.encode())

        self.run(go())

    def probe(self, path):
        async def go():
            f = await self.sftp.open(path, "rb")
            await f.close()

        self.run(go())


def describe(err):
    return f"{type(err).__name__}: {err}"


def main(argv):
    library, port, user, op, *args = argv
    cls = {"paramiko": Paramiko, "asyncssh": AsyncSsh}[library]
    try:
        client = cls(int(port), user)
    except Exception as err:  # what a script using the library would show for a failed login
        print(f"login failed: {describe(err)}", file=sys.stderr)
        return 1
    try:
        preserve = args[-1:] == ["preserve"]
        if op == "put":
            client.put(args[0], args[1], preserve)
        elif op == "get":
            client.get(args[0], args[1], preserve)
        elif op == "put-tree":
            client.put_tree(args[0], args[1])
        elif op == "get-tree":
            client.get_tree(args[0], args[1])
        elif op == "rename":
            client.rename(args[0], args[1])
        elif op == "remove":
            client.remove(args[0])
        elif op == "mkdir":
            client.mkdir(args[0])
        elif op == "ls":
            print("\n".join(client.ls(args[0])))
        elif op == "append":
            client.append(args[0], args[1])
        elif op == "probe":
            client.probe(args[0])
        elif op == "check-listing":
            print(json.dumps(client.check_listing(args)))
        else:
            print(f"unknown operation {op}", file=sys.stderr)
            return 2
    except Exception as err:
        print(describe(err), file=sys.stderr)
        return 1
    finally:
        try:
            client.close()
        except Exception:
            pass  # the operation's own result is what matters
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
