from . import test_invoicing
from . import test_eligibility
from . import test_wizard
from . import test_lifecycle
from . import test_locks
from . import test_i18n
from . import test_tour
from . import test_wheel
