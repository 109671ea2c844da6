# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In Italian: the add-on's own words, and invoices written in the customer's
language with Italian dates (dd/mm/yyyy)."""

from datetime import date

import polib
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestItalian(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_italian()
        # An Italian customer: the company, its contacts and its invoice address.
        (cls.rossi | cls.rossi.child_ids).lang = "it_IT"
        cls.ticket = cls._create_ticket(cls.rossi_mario, cls._standard_lines())

    def test_grouped_work_lines_are_described_in_italian(self):
        """Group work lines, for an Italian customer: "Lavori eseguiti dal ... al ..."
        with the first and last dates of the work in the Italian format."""
        invoice = self._invoice(self.ticket, group_work_lines=True)

        lines = self._product_lines(invoice).sorted("sequence")
        reference = f"{self.ticket.number} - {self.ticket.name}"
        self.assertEqual(
            lines.mapped("name"),
            [
                f"{reference}\nHourly Support\n"
                "Lavori eseguiti dal 02/03/2026 al 05/03/2026",
                f"{reference}\nOn-site Intervention\nLavori eseguiti il 04/03/2026",
            ],
        )
        self.assertEqual(lines.mapped("quantity"), [3.5, 3.0])

    def test_single_work_lines_carry_italian_dates(self):
        """Without grouping, each line starts with its date, Italian style."""
        invoice = self._invoice(self.ticket)
        reference = f"{self.ticket.number} - {self.ticket.name}"
        self.assertEqual(
            self._product_lines(invoice).sorted("sequence").mapped("name"),
            [
                f"{reference}\n02/03/2026 - Work on 2026-03-02",
                f"{reference}\n04/03/2026 - Work on 2026-03-04",
                f"{reference}\n05/03/2026 - Work on 2026-03-05",
            ],
        )

    def test_labels_follow_a_changed_date_format(self):
        """The dates of the labels are formatted once per date and language
        (cached): a language whose date format changes gives the new one."""
        other = self._create_ticket(self.rossi_mario, self._standard_lines())
        invoice = self._invoice(self.ticket)
        self.assertIn("\n02/03/2026 - ", self._product_lines(invoice)[0].name)
        self.env["res.lang"]._lang_get("it_IT").date_format = "%d.%m.%Y"
        invoice = self._invoice(other)
        self.assertEqual(
            self._product_lines(invoice).sorted("sequence")[0].name,
            f"{other.number} - {other.name}\n02.03.2026 - Work on 2026-03-02",
        )

    def test_line_without_description_names_the_service_in_italian(self):
        """A work line with no description is labelled with its service's name,
        in the customer's language too, whoever the clerk is."""
        self.support.with_context(lang="it_IT").name = "Assistenza oraria"
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 1.0)]
        )
        ticket.work_line_ids.name = False
        invoice = self._invoice(ticket.with_context(lang="en_US"))
        self.assertEqual(
            self._product_lines(invoice).name,
            f"{ticket.number} - Ticket of Mario Rossi\n02/03/2026 - Assistenza oraria",
        )

    def test_no_charge_work_says_so_in_italian(self):
        """Work given free is marked on the invoice, in the customer's language."""
        self.ticket.work_line_ids[0].billing_type = "no_charge"
        invoice = self._invoice(self.ticket, group_work_lines=True)
        free = self.ticket.work_line_ids[0].invoice_line_id
        self.assertEqual(free.price_unit, 0.0)
        self.assertTrue(free.name.endswith(" (Senza addebito)"), free.name)
        self.assertIn("Lavori eseguiti il 02/03/2026", free.name)
        self.assertEqual(len(self._product_lines(invoice)), 3)

    def test_english_customer_keeps_english_labels(self):
        """The language is the customer's, not the clerk's nor the company's."""
        (self.bianchi | self.bianchi_luca).lang = "en_US"
        ticket = self._create_ticket(
            self.bianchi_luca,
            [
                (date(2026, 3, 2), self.support, 1.0),
                (date(2026, 3, 6), self.support, 1.0),
            ],
        )
        invoice = self._as_italian_clerk(ticket)._create_invoices(group_work_lines=True)
        self.assertEqual(
            self._product_lines(invoice).name,
            f"{ticket.number} - {ticket.name}\nHourly Support\n"
            "Work performed from 03/02/2026 to 03/06/2026",
        )

    def _as_italian_clerk(self, records):
        """Records as an Italian clerk's web client reads them: the session's
        context carries the user's language."""
        self.clerk.lang = "it_IT"
        return records.with_user(self.clerk).with_context(lang="it_IT")

    def test_screens_speak_italian(self):
        """An Italian billing clerk sees the documented Italian terms."""
        Ticket = self._as_italian_clerk(self.env["helpdesk.ticket"])
        fields = Ticket.fields_get(["billing_state", "work_line_ids"])
        self.assertEqual(fields["billing_state"]["string"], "Stato Fatturazione")
        self.assertEqual(
            dict(fields["billing_state"]["selection"]),
            {
                "no": "Non Fatturabile",
                "to_invoice": "Da Fatturare",
                "invoiced": "Fatturato",
            },
        )
        self.assertEqual(fields["work_line_ids"]["string"], "Lavori")

        wizard_fields = self._as_italian_clerk(
            self.env["helpdesk.ticket.invoice"]
        ).fields_get(["group_by_partner", "group_work_lines"])
        self.assertEqual(
            wizard_fields["group_by_partner"]["string"], "Raggruppa ticket per cliente"
        )
        self.assertEqual(
            wizard_fields["group_work_lines"]["string"], "Raggruppa lavori"
        )

        arch = Ticket.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertTrue(
            etree.fromstring(arch).xpath(
                "//header/button[@string='Genera Proposte Fattura']"
            )
        )

    def test_the_clerks_screens_in_italian(self):
        """The pop-up's preview and totals, the Billing State of a ticket to
        invoice again, and a draft named in the clerk's language."""
        Wizard = self._as_italian_clerk(self.env["helpdesk.ticket.invoice"])
        labels = {
            name: field["string"]
            for name, field in Wizard.fields_get(
                ["preview_ids", "amount_untaxed", "amount_tax", "amount_total"]
            ).items()
        }
        self.assertEqual(
            labels,
            {
                "preview_ids": "Proposte fattura",
                "amount_untaxed": "Imponibile",
                "amount_tax": "Imposte",
                "amount_total": "Totale ivato",
            },
        )
        status = dict(
            self._as_italian_clerk(self.env["helpdesk.ticket"]).fields_get(
                ["billing_state_detail"]
            )["billing_state_detail"]["selection"]
        )
        self.assertEqual(status["to_invoice_again"], "Da Fatturare di Nuovo")

        invoice = self._invoice(self.ticket)
        reference = self._as_italian_clerk(invoice)._get_helpdesk_reference()
        made = fields.Datetime.context_timestamp(invoice, invoice.create_date)
        self.assertEqual(
            reference,
            f"bozza di fattura del {made:%d/%m/%Y %H:%M} per Rossi Impianti "
            "S.r.l. ($\xa0477,25)",
        )

    def test_errors_in_the_clerks_language(self):
        """Messages follow the language of the user who reads them."""
        self.ticket.billing_state = "no"
        with self.assertRaises(UserError) as error:
            self._as_italian_clerk(self.ticket)._create_invoices()
        self.assertIn(
            f"{self.ticket.display_name} è segnato come Non Fatturabile",
            str(error.exception),
        )

    def test_every_string_of_the_addon_is_translated(self):
        """i18n/it.po translates every string the add-on shows: field labels and
        helps, selection values, views, messages in Python. After adding or
        changing one, run tools/i18n.sh and translate what it lists."""
        reader = TranslationModuleReader(
            self.env.cr, modules=["helpdesk_mgmt_invoicing"]
        )
        sources = {source for _module, _type, _name, _id, source, *_rest in reader}
        po = polib.pofile(file_path("helpdesk_mgmt_invoicing/i18n/it.po"))
        translated = {
            entry.msgid
            for entry in po
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        self.assertIn("Work performed from %(first)s to %(last)s", sources)
        self.assertEqual(sorted(sources - translated), [], "not in i18n/it.po")
