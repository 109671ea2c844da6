from . import helpdesk_ticket
from . import helpdesk_ticket_work_line
from . import account_move
from . import account_move_line
from . import account_move_send
from . import product_product
from . import product_template
from . import ir_actions_report
