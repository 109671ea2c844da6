# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The intervention report: the work done on a ticket, for the technician and
the customer to sign.

Print it from a ticket's form (**Print > Intervention Report**), or select
several tickets in the list and print them at once. It carries the company's
letterhead, the customer and its address, the ticket's number, title and
dates, each work line (date, technician, start and end, hours worked, hours
to invoice, description, service), the totals, and a signature box for the
technician and one for the customer. Hours are decimal hours, as on the
invoice (2.50); start and end are clock times (09:30). It is written in the
customer's language: an Italian customer gets a *Rapportino d'intervento*.

Here the report is read as the HTML Odoo makes of it (Odoo renders no PDF in
tests); ``test_report_pdf.py`` prints the PDF for real.
"""

from datetime import date, datetime
from unittest.mock import patch

from lxml import html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval, time

from odoo.addons.base.models.ir_qweb import QWebException

from .common import HelpdeskInvoicingCommon

REPORT = "helpdesk_mgmt_invoicing.report_intervention"


class InterventionReportCommon(HelpdeskInvoicingCommon):
    """A printer ticket of Rossi Impianti, opened on 2 March 2026 and closed on
    the 5th, with two work lines of the technician Marco Neri."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician.name = "Marco Neri"
        cls.rossi.write(
            {
                "street": "Via Roma 12",
                "zip": "20121",
                "city": "Milano",
                "country_id": cls.env.ref("base.it").id,
            }
        )
        cls.ticket = cls._create_report_ticket(cls.rossi_mario, "Printer offline")

    @classmethod
    def _create_report_ticket(cls, partner, title):
        """A ticket opened on 2 March 2026 at 8:00, closed on 5 March at 17:00."""
        with patch.object(cls.env.cr, "now", lambda: datetime(2026, 3, 2, 8, 0)):
            ticket = cls._create_ticket(
                partner, name=title, closed_date=datetime(2026, 3, 5, 17, 0)
            )
        ticket.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 2),
                    "user_id": cls.technician.id,
                    "time_start": 9.0,
                    "time_end": 11.5,
                    "name": "Replaced the toner and the drum",
                    "product_id": cls.support.id,
                }
            ),
            Command.create(
                {
                    "date": date(2026, 3, 4),
                    "user_id": cls.technician.id,
                    "time_start": 14.0,
                    "time_end": 17.0,
                    "quantity": 2.5,
                    "name": "Network check on site",
                    "product_id": cls.onsite.id,
                }
            ),
        ]
        return ticket

    def _render_html(self, tickets, user=None):
        """The report's HTML, as ``user`` (the technician by default) prints it."""
        Report = self.env["ir.actions.report"].with_user(user or self.technician)
        content, report_type = Report._render_qweb_pdf(REPORT, tickets.ids)
        # What Odoo returns in tests instead of the PDF (see test_report_pdf.py).
        self.assertEqual(report_type, "html")
        return html.fromstring(content)

    @staticmethod
    def _text(node):
        """The text of an HTML node, as read: lines and cells apart."""
        return " ".join(" ".join(node.itertext()).split())

    def _articles(self, tree):
        """The report of each ticket (one article each)."""
        return tree.xpath("//div[contains(concat(' ', @class, ' '), ' article ')]")

    def _cells(self, row):
        return [self._text(cell) for cell in row.xpath("./td")]

    def _headings(self, table):
        """The column headings of the work lines' table."""
        return [self._text(th) for th in table.xpath("./thead//th")]

    def _totals(self, table):
        """The cells of the totals' row, under the work lines."""
        return self._cells(table.xpath("./tfoot/tr")[0])


@tagged("post_install", "-at_install")
class TestInterventionReport(InterventionReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's units too ("Ore"), which the report prints by each quantity.
        cls._activate_italian("uom")

    def _make_rossi_italian(self):
        """Rossi Impianti, its contacts and its invoice address speak Italian."""
        (self.rossi | self.rossi.child_ids).lang = "it_IT"

    def test_one_ticket(self):
        """Letterhead, customer, ticket, work lines, totals and signatures."""
        self.company.partner_id.write(
            {"street": "Corso Italia 5", "city": "Torino", "zip": "10121"}
        )
        tree = self._render_html(self.ticket)
        [article] = self._articles(tree)
        self.assertEqual(article.get("data-oe-model"), "helpdesk.ticket")
        self.assertEqual(article.get("data-oe-id"), str(self.ticket.id))

        # The company's letterhead, from the company's document layout.
        [header] = tree.xpath("//div[contains(concat(' ', @class, ' '), ' header ')]")
        self.assertIn(self.company.name, self._text(header))
        # And in the body, which every wkhtmltopdf prints (Debian's drops the
        # header): whose report the customer signs.
        [company] = article.xpath(".//div[@name='company']")
        self.assertEqual(
            self._text(company),
            f"{self.company.name} Corso Italia 5 Torino 10121 United States",
        )

        # The customer (the company, not the contact) and its address.
        [address] = article.xpath(".//div[@name='address']")
        self.assertEqual(
            self._text(address), "Rossi Impianti S.r.l. Via Roma 12 Milano 20121 Italy"
        )
        self.assertEqual(
            self._text(article.xpath(".//h2")[0]),
            f"Intervention Report {self.ticket.number}",
        )
        informations = self._text(article.xpath(".//div[@id='informations']")[0])
        self.assertEqual(
            informations,
            f"Ticket {self.ticket.number} - Printer offline "
            "Contact Mario Rossi Opened on 03/02/2026 Closed on 03/05/2026",
        )

        [table] = article.xpath(".//table[@name='work_lines']")
        self.assertEqual(
            self._headings(table),
            [
                "Date",
                "Technician",
                "Start",
                "End",
                "Worked",
                "To Invoice",
                "Billing",
                "Description",
                "Service or Product",
            ],
        )
        self.assertEqual(
            [self._cells(row) for row in table.xpath("./tbody/tr")],
            [
                [
                    "03/02/2026",
                    "Marco Neri",
                    "09:00",
                    "11:30",
                    "2.50 Hours",
                    "2.50 Hours",
                    "Billable",
                    "Replaced the toner and the drum",
                    "Hourly Support",
                ],
                [
                    "03/04/2026",
                    "Marco Neri",
                    "14:00",
                    "17:00",
                    "3.00 Hours",
                    "2.50 Hours",
                    "Billable",
                    "Network check on site",
                    "On-site Intervention",
                ],
            ],
        )
        self.assertEqual(self._totals(table), ["Total hours", "5.50", "5.00", ""])

        [technician, customer] = article.xpath(".//div[@name='signatures']/div")
        # Each signature with its date and place, as a signed paper has.
        self.assertEqual(
            self._text(technician),
            "Technician's signature Name: Marco Neri Date and place:",
        )
        self.assertEqual(
            self._text(customer), "Customer's signature Name: Date and place:"
        )

    def test_what_each_line_is_for(self):
        """Each line says what it is for; a part shows its unit, and the totals
        count the hours of the work sold by time only."""
        self.ticket.work_line_ids[0].billing_type = "no_charge"
        disk = self._new_product("Replacement disk", 120.0, type="consu")
        self.ticket.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 5),
                    "user_id": self.technician.id,
                    "product_id": disk.id,
                    "quantity": 2.0,
                    "name": "Disks swapped",
                }
            )
        ]
        [article] = self._articles(self._render_html(self.ticket))
        [table] = article.xpath(".//table[@name='work_lines']")
        rows = [self._cells(row) for row in table.xpath("./tbody/tr")]
        self.assertEqual(rows[0][6], "No Charge")
        self.assertEqual(
            rows[2][2:8],
            ["", "", "2.00 Units", "2.00 Units", "Billable", "Disks swapped"],
        )
        self.assertEqual(self._totals(table), ["Total hours", "5.50", "5.00", ""])

    def test_internal_work_is_not_on_the_customers_report(self):
        """Work marked Not Billed (internal) is the firm's own business: the
        customer's report lists the billable and no-charge work only, and its
        totals count neither the internal hours nor their description."""
        self.ticket.work_line_ids[1].billing_type = "no_charge"
        self.ticket.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 5),
                    "user_id": self.technician.id,
                    "time_start": 8.0,
                    "time_end": 12.0,
                    "name": "Internal: training the new colleague",
                    "product_id": self.support.id,
                    "billing_type": "not_billed",
                }
            )
        ]
        [article] = self._articles(self._render_html(self.ticket))
        [table] = article.xpath(".//table[@name='work_lines']")
        rows = [self._cells(row) for row in table.xpath("./tbody/tr")]
        self.assertEqual(
            [row[7] for row in rows],
            ["Replaced the toner and the drum", "Network check on site"],
        )
        self.assertEqual(rows[1][6], "No Charge")
        self.assertNotIn("training", self._text(article))
        self.assertEqual(self._totals(table), ["Total hours", "5.50", "5.00", ""])

    def test_lines_without_times(self):
        """A line logged as hours only leaves Start and End empty; hours keep
        two decimals."""
        self.ticket.work_line_ids[0].write(
            {"time_start": 0.0, "time_end": 0.0, "hours_worked": 1.25, "quantity": 1}
        )
        [article] = self._articles(self._render_html(self.ticket))
        first_row = article.xpath(".//table[@name='work_lines']/tbody/tr")[0]
        self.assertEqual(
            self._cells(first_row)[2:6], ["", "", "1.25 Hours", "1.00 Hours"]
        )

    def test_ticket_without_customer(self):
        """A ticket without a contact prints too, with no address, in the
        language of whoever prints it."""
        ticket = self._create_report_ticket(self.env["res.partner"], "Server room")
        [article] = self._articles(self._render_html(ticket))
        self.assertFalse(article.xpath(".//div[@name='address']"))
        self.assertEqual(
            self._text(article.xpath(".//h2")[0]),
            f"Intervention Report {ticket.number}",
        )

    def test_several_tickets_at_once(self):
        """Selected in the list, several tickets print together, one report
        each, in the order of the selection."""
        other = self._create_report_ticket(self.bianchi_luca, "VPN drops")
        articles = self._articles(self._render_html(other + self.ticket))
        self.assertEqual(
            [article.get("data-oe-id") for article in articles],
            [str(other.id), str(self.ticket.id)],
        )
        self.assertIn("Bianchi Servizi S.p.A.", self._text(articles[0]))
        self.assertIn("Rossi Impianti S.r.l.", self._text(articles[1]))

    def test_in_the_print_menu_of_ticket_form_and_list(self):
        """Everyone who may read tickets finds it in the Print menu, on the
        form and on the list (several tickets at once)."""
        action = self.env.ref(
            "helpdesk_mgmt_invoicing.helpdesk_ticket_print_intervention_reports_action"
        )
        for user in (self.technician, self.clerk):
            bindings = (
                self.env["ir.actions.actions"]
                .with_user(user)
                .get_bindings("helpdesk.ticket")
            )
            self.assertIn(action.id, [report["id"] for report in bindings["report"]])
        other = self._create_report_ticket(self.bianchi_luca, "VPN drops")
        printed = (
            action.with_user(self.technician)
            .with_context(
                active_model="helpdesk.ticket", active_ids=(self.ticket + other).ids
            )
            .run()
        )
        self.assertEqual(printed["report_name"], REPORT)
        self.assertEqual(printed["context"]["active_ids"], (self.ticket + other).ids)

    def test_file_name(self):
        """The file is named after the ticket, in the customer's language."""
        action = self.env.ref(
            "helpdesk_mgmt_invoicing.helpdesk_ticket_report_intervention_action"
        )
        name = safe_eval(
            action.print_report_name, {"object": self.ticket, "time": time}
        )
        self.assertEqual(name, f"Intervention Report - {self.ticket.number}")

    def test_only_who_may_read_the_ticket(self):
        """A technician who sees only their own tickets cannot print others'."""
        own = self._new_user("hdi-report-own", "helpdesk_mgmt.group_helpdesk_user_own")
        self.ticket.user_id = self.technician
        with self.assertRaises(QWebException) as error:
            self._render_html(self.ticket, user=own)
        self.assertIsInstance(error.exception.__cause__, AccessError)
        self.ticket.user_id = own
        [article] = self._articles(self._render_html(self.ticket, user=own))
        self.assertIn(self.ticket.number, self._text(article))

    def test_italian_customer_gets_a_rapportino(self):
        """Italian labels, dates and decimal commas, whoever prints it."""
        self._make_rossi_italian()
        tree = self._render_html(self.ticket)
        [article] = self._articles(tree)
        self.assertEqual(article.get("data-oe-lang"), "it_IT")
        self.assertEqual(
            self._text(article.xpath(".//h2")[0]),
            f"Rapportino d'intervento {self.ticket.number}",
        )
        informations = self._text(article.xpath(".//div[@id='informations']")[0])
        self.assertIn("Aperto il 02/03/2026 Chiuso il 05/03/2026", informations)
        [table] = article.xpath(".//table[@name='work_lines']")
        self.assertEqual(
            self._headings(table),
            [
                "Data",
                "Tecnico",
                "Inizio",
                "Fine",
                "Lavorato",
                "Da Fatturare",
                "Addebito",
                "Descrizione",
                "Servizio o prodotto",
            ],
        )
        self.assertEqual(
            self._cells(table.xpath("./tbody/tr")[1])[:7],
            [
                "04/03/2026",
                "Marco Neri",
                "14:00",
                "17:00",
                "3,00 Ore",
                "2,50 Ore",
                "Fatturabile",
            ],
        )
        self.assertEqual(self._totals(table), ["Totale ore", "5,50", "5,00", ""])
        signatures = self._text(article.xpath(".//div[@name='signatures']")[0])
        self.assertEqual(
            signatures,
            "Firma del tecnico Nome: Marco Neri Data e luogo: "
            "Firma del cliente Nome: Data e luogo:",
        )

    def test_each_ticket_in_its_customers_language(self):
        """Printed together, an English customer's report stays in English."""
        self._make_rossi_italian()
        (self.bianchi | self.bianchi_luca).lang = "en_US"
        other = self._create_report_ticket(self.bianchi_luca, "VPN drops")
        articles = self._articles(self._render_html(self.ticket + other))
        self.assertEqual(
            [self._text(article.xpath(".//h2")[0]) for article in articles],
            [
                f"Rapportino d'intervento {self.ticket.number}",
                f"Intervention Report {other.number}",
            ],
        )

    def test_italian_file_name(self):
        self._make_rossi_italian()
        self.assertEqual(
            self.ticket._get_intervention_report_filename(),
            f"Rapportino d'intervento - {self.ticket.number}",
        )
