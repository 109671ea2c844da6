# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Installing with pip, like any OCA add-on.

The add-on is packaged as the wheel ``odoo-addon-helpdesk_mgmt_invoicing`` by
whool (``pyproject.toml``). This test builds that wheel from the checkout,
installs it with pip into a scratch virtual environment that sees Odoo and
``helpdesk_mgmt`` but not the checkout, and installs the add-on from it in a
fresh database.
"""

import email.parser
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tools import config

MODULE = "helpdesk_mgmt_invoicing"
CHECKOUT = Path(__file__).resolve().parents[1]


def run(cmd, **kwargs):
    """Run a command; on failure, fail with the command and the end of its output."""
    proc = subprocess.run(
        [str(part) for part in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        **kwargs,
    )
    if proc.returncode:
        raise AssertionError(
            f"exit code {proc.returncode}: {' '.join(map(str, cmd))}\n"
            f"{proc.stdout[-4000:]}"
        )
    return proc.stdout


@tagged("post_install", "-at_install", "hdi_slow")
class TestWheel(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix="hdi_wheel_"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.wheel = cls._build_wheel()

    @classmethod
    def _build_wheel(cls):
        """Build the wheel as ``pip wheel`` does from a clone of the repository.

        whool names the distribution after the add-on's folder and packs the
        files git tracks, so the checkout's files that git tracks or would
        track (not ignored) are copied into a folder named after the add-on.
        """
        source = cls.tmp / MODULE
        files = run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=CHECKOUT,
        ).splitlines()
        for name in files:
            if (CHECKOUT / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(CHECKOUT / name, source / name)
        dist = cls.tmp / "dist"
        # whool, pinned in requirements-dev.txt, from this environment: no index.
        run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
            + ["--no-build-isolation", "--no-index", "--wheel-dir", dist, source]
        )
        (wheel,) = dist.glob("*.whl")
        return wheel

    def test_wheel_is_an_oca_addon_distribution(self):
        """The wheel is named and laid out like OCA's, and holds the whole add-on."""
        manifest = odoo.modules.module.get_manifest(MODULE)
        self.assertEqual(
            self.wheel.name,
            f"odoo_addon_{MODULE}-{manifest['version']}-py3-none-any.whl",
        )
        with zipfile.ZipFile(self.wheel) as archive:
            names = set(archive.namelist())
            (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
            metadata = email.parser.Parser().parsestr(
                archive.read(metadata_name).decode()
            )
        self.assertEqual(metadata["Name"], f"odoo-addon-{MODULE}")
        self.assertIn(
            "odoo-addon-helpdesk_mgmt==18.0.*", metadata.get_all("Requires-Dist")
        )
        # Background invoicing runs on OCA queue_job.
        self.assertIn("odoo-addon-queue_job==18.0.*", metadata.get_all("Requires-Dist"))
        self.assertEqual(metadata["License"], "AGPL-3")
        prefix = f"odoo/addons/{MODULE}/"
        expected = {
            "__manifest__.py",
            "README.rst",
            "i18n/it.po",
            "i18n/helpdesk_mgmt_invoicing.pot",
            "static/description/icon.png",
            "views/helpdesk_ticket_views.xml",
            "static/tests/tours/helpdesk_ticket_invoice_tour.esm.js",
            *manifest["demo"],
        }
        self.assertFalse(
            {path for path in expected if prefix + path not in names},
            "missing from the wheel",
        )
        self.assertNotIn(prefix + "pyproject.toml", names)

    def test_pip_install_then_install_in_a_fresh_database(self):
        """pip installs the wheel beside Odoo; Odoo installs the add-on from it."""
        venv = self.tmp / "venv"
        run([sys.executable, "-m", "venv", "--without-pip", venv])
        python = venv / "bin" / "python"
        site = run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        )
        # The scratch environment sees this one (Odoo, helpdesk_mgmt, pip) as
        # --system-site-packages would see a system Python.
        Path(site.strip(), "hdi_project_venv.pth").write_text(
            f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})\n"
        )
        # --no-index: Odoo and helpdesk_mgmt must be found installed, not fetched.
        run([python, "-m", "pip", "install", "--quiet", "--no-index", self.wheel])
        where = run(
            [python, "-c", f"import odoo.addons.{MODULE} as m; print(m.__file__)"]
        )
        self.assertTrue(where.strip().startswith(str(venv)), where)

        # The configured addons path, less the folder that holds the checkout.
        addons_path = [
            path
            for path in config["addons_path"].split(",")
            if not Path(path, MODULE).exists()
        ]
        db = f"{config['db_name']}_wheel"
        odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
        run(["dropdb", "--if-exists", db])
        self.addCleanup(run, ["dropdb", "--if-exists", db])
        # The same database server and options as this run, when from a file.
        rcfile = ["-c", config.rcfile] if config.rcfile else []
        run(
            [python, odoo_bin, *rcfile, "-d", db]
            + ["--addons-path", ",".join(addons_path)]
            + ["--data-dir", self.tmp / "data", "-i", MODULE]
            + ["--without-demo=all", "--stop-after-init", "--log-level=warn"]
        )
        state = run(
            ["psql", "-d", db, "-tAc"]
            + [f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'"]
        )
        self.assertEqual(state.strip(), "installed")
