"""JupyterHub for a class of the Jacobian course on one machine: usable as it is.

    ./course install-system --prefix /opt/jacobian-course      # once, as root
    python3 -m venv /opt/jupyterhub && /opt/jupyterhub/bin/pip install -r hub/requirements.txt
    npm install --prefix /opt/jupyterhub/node configurable-http-proxy@5.3.0
    JACOBIAN_COURSE_PREFIX=/opt/jacobian-course /opt/jupyterhub/bin/jupyterhub \
        -f hub/jupyterhub_config.py                            # as root

Every learner is a Unix user (LocalProcessSpawner starts their server as them, so the hub runs
as root). Their kernel is the course's, compiled once under the prefix and shared read-only; a
learner's first kernel start compiles nothing of the course crates, and their own kernel state
(~20 MB per slot) lives in ~/.local/share/jacobian-course. Their server opens on a copy of the
course notebooks in ~/jacobian-course, made at their first start and never overwritten.

Left to the instructor (README "Teaching a class"): the authenticator (this file allows nobody
until one is chosen), TLS in front of the hub, and resource limits, which LocalProcessSpawner
does not enforce (SystemdSpawner and KubeSpawner do; the values below are what they would use).

Settings come from the environment so that the same file serves the test (tests/hub/):
JACOBIAN_COURSE_PREFIX, JACOBIAN_COURSE_HUB_IP (127.0.0.1), JACOBIAN_COURSE_HUB_PORT (8000),
JACOBIAN_COURSE_HUB_DATA (/srv/jupyterhub: database, cookie secret), JACOBIAN_COURSE_CHP (the
configurable-http-proxy command), JACOBIAN_COURSE_MEM_LIMIT (3G), JACOBIAN_COURSE_CPU_LIMIT (1).
"""
import os
import pwd
import shutil
import sys

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

PREFIX = os.environ.get("JACOBIAN_COURSE_PREFIX", "/opt/jacobian-course")
DATA = os.environ.get("JACOBIAN_COURSE_HUB_DATA", "/srv/jupyterhub")
os.makedirs(DATA, mode=0o700, exist_ok=True)

# Listen on loopback unless told otherwise (put a TLS-terminating proxy in front for a class).
c.JupyterHub.ip = os.environ.get("JACOBIAN_COURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("JACOBIAN_COURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{DATA}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{DATA}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{DATA}/jupyterhub-proxy.pid"
c.ConfigurableHTTPProxy.command = [os.environ.get("JACOBIAN_COURSE_CHP", "configurable-http-proxy")]

# One single-user JupyterLab per learner, as that learner, from this hub's Python environment
# (which must hold jupyterlab: hub/requirements.txt), finding the course's kernel spec.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(sys.prefix, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/jacobian-course"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"JUPYTER_PATH": os.path.join(PREFIX, "share", "jupyter")}
# A course kernel answers its first kernel_info after evcxr's init (10-30 s; over a minute when
# many learners start at once on a small machine); the server's default patience is 60 s, after
# which JupyterLab's connection to the kernel fails.
c.Spawner.args = [
    "--MappingKernelManager.kernel_info_timeout=300",
    "--ZMQChannelsWebsocketConnection.kernel_info_timeout=300",
]
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
# Honoured by SystemdSpawner and KubeSpawner, not by LocalProcessSpawner (README): an idle
# course kernel holds about 1.2 GB, mostly rust-analyzer inside evcxr.
c.Spawner.mem_limit = os.environ.get("JACOBIAN_COURSE_MEM_LIMIT", "3G")
c.Spawner.cpu_limit = float(os.environ.get("JACOBIAN_COURSE_CPU_LIMIT", "1"))


def copy_course_notebooks(spawner):
    """The learner's own copy of the course notebooks, at their first start only: their work
    is never overwritten (a new notebook of the course is added next to theirs)."""
    user = pwd.getpwnam(spawner.user.name)
    dest = os.path.join(user.pw_dir, "jacobian-course")
    src = os.path.join(PREFIX, "src", "notebooks")
    os.makedirs(dest, exist_ok=True)
    os.chown(dest, user.pw_uid, user.pw_gid)
    for name in sorted(os.listdir(src)):
        target = os.path.join(dest, name)
        if name.endswith(".ipynb") and not os.path.exists(target):
            shutil.copyfile(os.path.join(src, name), target)
            os.chown(target, user.pw_uid, user.pw_gid)
            os.chmod(target, 0o644)


c.Spawner.pre_spawn_hook = copy_course_notebooks
