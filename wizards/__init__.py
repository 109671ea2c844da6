from . import helpdesk_ticket_invoice
from . import helpdesk_ticket_invoice_preview
from . import helpdesk_ticket_work_line_reject
from . import helpdesk_ticket_dispute_resolve
from . import helpdesk_ticket_sign
