from . import helpdesk_ticket
from . import helpdesk_ticket_work_line
from . import account_move
from . import account_move_line
from . import product_product
from . import helpdesk_ticket_invoice_run
from . import helpdesk_ticket_invoice_run_line
from . import res_partner
