from . import test_invoicing
from . import test_eligibility
from . import test_wizard
