"""JupyterHub for a class of the Jacobian course on one machine: usable as it is.

    ./course install-system --prefix /opt/jacobian-course      # once (README: Teaching a class)
    sudo /usr/bin/python3 -m venv /opt/jupyterhub
    sudo /opt/jupyterhub/bin/pip install -r hub/requirements.txt
    sudo npm install --prefix /opt/jupyterhub/node configurable-http-proxy@5.3.0
    JACOBIAN_COURSE_PREFIX=/opt/jacobian-course \
    JACOBIAN_COURSE_CHP=/opt/jupyterhub/node/node_modules/.bin/configurable-http-proxy \
        sudo -E /opt/jupyterhub/bin/jupyterhub -f /opt/jacobian-course/src/hub/jupyterhub_config.py

Every learner is a Unix user (LocalProcessSpawner starts their server as them, so the hub runs
as root). Their kernel is the course's, compiled once under the prefix and shared read-only; a
learner's first kernel start compiles nothing of the course crates, and their own kernel state
(~40 MB per slot after notebook 03) lives in ~/.local/share/jacobian-course. Their server opens on a copy of the
course notebooks in ~/jacobian-course, made by hub/start-singleuser.sh as the learner at each
start, never over a notebook they already have.

Left to the instructor (README "Teaching a class"): the authenticator (this file allows nobody
until one is chosen), TLS in front of the hub, and resource limits, which LocalProcessSpawner
does not enforce (SystemdSpawner and KubeSpawner do; the values below are what they would use).

Settings come from the environment so that the same file serves the test (tests/hub/):
JACOBIAN_COURSE_PREFIX, JACOBIAN_COURSE_HUB_IP (127.0.0.1), JACOBIAN_COURSE_HUB_PORT (8000),
JACOBIAN_COURSE_HUB_DATA (/srv/jupyterhub: database, cookie secret), JACOBIAN_COURSE_CHP (the
configurable-http-proxy command), JACOBIAN_COURSE_MEM_LIMIT (3G), JACOBIAN_COURSE_CPU_LIMIT (1).
"""
import os
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
# (which must hold jupyterlab: hub/requirements.txt), finding the course's kernel spec. The
# start script, run as the learner, first copies the course notebooks into ~/jacobian-course
# (never over their own work): done as the learner, not in a root pre-spawn hook, because root
# following a symbolic link the learner planted there would hand them any file.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(PREFIX, "src", "hub", "start-singleuser.sh")]
c.Spawner.default_url = "/lab/tree/jacobian-course"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "JUPYTER_PATH": os.path.join(PREFIX, "share", "jupyter"),
    "JACOBIAN_COURSE_PREFIX": PREFIX,
    "JUPYTERHUB_SINGLEUSER": os.path.join(sys.prefix, "bin", "jupyterhub-singleuser"),
}
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

