"""Put allstop where pdb was in every Python process the pdb tests start (see ``patch``)."""

from tests.pdb_compat import patch

patch.install()
