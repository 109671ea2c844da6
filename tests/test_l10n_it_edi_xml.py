# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Italy: the invoice proposals become valid FatturaPA e-invoices.

In Italy an invoice exists once the SdI accepts its FatturaPA XML, which
Odoo's ``l10n_it_edi`` makes when the invoice is sent (Send & Print). Whatever
the option of the pop-up, the XML of each invoice proposal, posted and sent,
passes the official FatturaPA 1.2.2 schema, bills the hours at the right
prices and VAT, and names the ticket of each of its lines: the XML has no
sections, so every line starts with its ticket's number and title.

Run by ``make test`` on a database with ``l10n_it`` and ``l10n_it_edi``.
"""

import copy
from datetime import date

from odoo.tests import tagged

from .common_l10n_it import HelpdeskInvoicingItalyCommon

INVOICE_DATE = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestFatturaPA(HelpdeskInvoicingItalyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Giulia Verdi reads Italian: her invoices are written in Italian.
        cls._activate_italian()
        cls.verdi.lang = "it_IT"

    def _invoice_and_send(self, tickets, **options):
        invoices = self._invoice(tickets, **options)
        invoices.invoice_date = INVOICE_DATE
        return invoices

    def _assert_lines(self, xml, expected):
        """The XML's lines: (description, hours, unit price, total, VAT rate,
        exemption nature)."""
        lines = [
            (
                line.findtext("Descrizione"),
                float(line.findtext("Quantita")),
                float(line.findtext("PrezzoUnitario")),
                float(line.findtext("PrezzoTotale")),
                float(line.findtext("AliquotaIVA")),
                line.findtext("Natura"),
            )
            for line in xml.iter("DettaglioLinee")
        ]
        self.assertEqual(lines, expected)

    def _assert_totals(self, xml, invoice, summary):
        """The XML's VAT summary (rate, nature, taxable amount, VAT) and total."""
        self.assertEqual(
            [
                (
                    float(block.findtext("AliquotaIVA")),
                    block.findtext("Natura"),
                    float(block.findtext("ImponibileImporto")),
                    float(block.findtext("Imposta")),
                )
                for block in xml.iter("DatiRiepilogo")
            ],
            summary,
        )
        self.assertEqual(
            float(xml.findtext(".//ImportoTotaleDocumento")), invoice.amount_total
        )
        self.assertEqual(
            invoice.amount_total, sum(s[2] + s[3] for s in summary), "summary"
        )

    def test_services_are_billed_at_22_percent_vat(self):
        self.assertEqual(self.vat_22.amount, 22.0)
        self.assertEqual(self.support.taxes_id, self.vat_22)

    def test_one_invoice_per_ticket_for_each_kind_of_customer(self):
        """No option ticked: a company (ticket of its contact person), a
        private person and a public administration each get a valid XML that
        names their ticket on every line."""
        printer = self._create_ticket(
            self.rossi_mario, self._standard_lines(), name="Network printer offline"
        )
        router = self._create_ticket(
            self.verdi,
            [(date(2026, 3, 9), self.support, 1.5)],
            name="Home router set-up",
        )
        scanners = self._create_ticket(
            self.comune,
            [(date(2026, 3, 10), self.onsite, 4.0)],
            name="Registry office scanners",
        )
        invoices = self._invoice_and_send(printer + router + scanners)
        # A public administration's invoice names the document that ordered
        # the work, in the invoice's Electronic Invoicing tab.
        scanners.invoice_ids.write(
            {
                "l10n_it_origin_document_type": "purchase_order",
                "l10n_it_origin_document_name": "DET-2026-118",
                "l10n_it_origin_document_date": date(2026, 3, 1),
            }
        )
        self._send_and_print(invoices)

        # The company, invoiced for its contact person's ticket.
        xml = self._fatturapa(printer.invoice_ids)
        self.assertEqual(xml.get("versione"), "FPR12")
        self.assertEqual(xml.findtext(".//CodiceDestinatario"), "M5UXCR1")
        buyer = xml.find(".//CessionarioCommittente")
        self.assertEqual(buyer.findtext(".//IdFiscaleIVA/IdCodice"), "02468130154")
        self.assertEqual(buyer.findtext(".//Denominazione"), "Rossi Impianti S.r.l.")
        ref = f"{printer.number} - Network printer offline"
        self._assert_lines(
            xml,
            [
                (f"{ref}\n03/02/2026 - Work on 2026-03-02", 2, 50, 100, 22, None),
                (f"{ref}\n03/04/2026 - Work on 2026-03-04", 3, 80, 240, 22, None),
                (f"{ref}\n03/05/2026 - Work on 2026-03-05", 1.5, 50, 75, 22, None),
            ],
        )
        self._assert_totals(xml, printer.invoice_ids, [(22, None, 415, 91.3)])

        # The private person, by her fiscal code, in Italian.
        xml = self._fatturapa(router.invoice_ids)
        self.assertEqual(xml.get("versione"), "FPR12")
        self.assertEqual(xml.findtext(".//CodiceDestinatario"), "0000000")
        buyer = xml.find(".//CessionarioCommittente")
        self.assertIsNone(buyer.find(".//IdFiscaleIVA"))
        self.assertEqual(buyer.findtext(".//CodiceFiscale"), "VRDGLI80A41F205V")
        self.assertEqual(
            [buyer.findtext(".//Nome"), buyer.findtext(".//Cognome")],
            ["Giulia", "Verdi"],
        )
        line = f"{router.number} - Home router set-up\n09/03/2026 - Work on 2026-03-09"
        self._assert_lines(xml, [(line, 1.5, 50, 75, 22, None)])
        self._assert_totals(xml, router.invoice_ids, [(22, None, 75, 16.5)])

        # The public administration: its office code, the PA format, the
        # document that ordered the work.
        xml = self._fatturapa(scanners.invoice_ids)
        self.assertEqual(xml.get("versione"), "FPA12")
        self.assertEqual(xml.findtext(".//CodiceDestinatario"), "UFT3KQ")
        self.assertEqual(
            xml.findtext(".//DatiOrdineAcquisto/IdDocumento"), "DET-2026-118"
        )
        ref = f"{scanners.number} - Registry office scanners"
        line = f"{ref}\n03/10/2026 - Work on 2026-03-10"
        self._assert_lines(xml, [(line, 4, 80, 320, 22, None)])
        self._assert_totals(xml, scanners.invoice_ids, [(22, None, 320, 70.4)])

    def test_one_invoice_per_customer_names_each_line_ticket(self):
        """Group tickets by customer: one XML for the company's two tickets,
        each line naming its own ticket; the exempt training is at 0 % with
        its nature N4 and the law that exempts it."""
        printer = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 2.0)],
            name="Network printer offline",
        )
        training = self._create_ticket(
            self.rossi_anna,
            [
                (date(2026, 3, 3), self.onsite, 1.0),
                (date(2026, 3, 4), self.training, 3.0),
            ],
            name="Staff training on the new workstation",
        )
        invoice = self._invoice_and_send(printer + training, group_by_partner=True)
        self.assertEqual(len(invoice), 1)
        self._send_and_print(invoice)

        xml = self._fatturapa(invoice)
        printer_line = (
            f"{printer.number} - Network printer offline\n"
            "03/02/2026 - Work on 2026-03-02"
        )
        training_ref = f"{training.number} - Staff training on the new workstation"
        onsite_line = f"{training_ref}\n03/03/2026 - Work on 2026-03-03"
        course_line = f"{training_ref}\n03/04/2026 - Work on 2026-03-04"
        self._assert_lines(
            xml,
            [
                (printer_line, 2, 50, 100, 22, None),
                (onsite_line, 1, 80, 80, 22, None),
                (course_line, 3, 60, 180, 0, "N4"),
            ],
        )
        self._assert_totals(xml, invoice, [(22, None, 180, 39.6), (0, "N4", 180, 0)])
        self.assertEqual(
            self._texts(xml, "//DatiRiepilogo/RiferimentoNormativo"),
            ["Art. 10 DPR 633/1972"],
        )

    def test_grouped_work_lines_sum_the_hours_in_italian(self):
        """Group work lines: one line per service with the hours summed,
        "Lavori eseguiti dal ... al ..." for an Italian customer."""
        ticket = self._create_ticket(
            self.verdi, self._standard_lines(), name="Printer and scanner"
        )
        invoice = self._invoice_and_send(ticket, group_work_lines=True)
        self._send_and_print(invoice)

        xml = self._fatturapa(invoice)
        ref = f"{ticket.number} - Printer and scanner"
        support = f"{ref}\nHourly Support\nLavori eseguiti dal 02/03/2026 al 05/03/2026"
        onsite = f"{ref}\nOn-site Intervention\nLavori eseguiti il 04/03/2026"
        self._assert_lines(
            xml,
            [(support, 3.5, 50, 175, 22, None), (onsite, 3, 80, 240, 22, None)],
        )
        self._assert_totals(xml, invoice, [(22, None, 415, 91.3)])

    def test_long_titles_and_descriptions_stay_valid(self):
        """A very long title and work description, with characters outside
        Latin-1: the XML is still valid, each line within the 1,000
        characters of Descrizione and starting with the ticket's number."""
        title = "Server room — UPS replaced, 2 000 € quote approved " * 30
        description = "Checked every rack; batteries tested at 100 %. " * 50
        ticket = self._create_ticket(
            self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 1.0),
                (date(2026, 3, 3), self.onsite, 2.0),
            ],
            name=title,
        )
        ticket.work_line_ids[1].name = description
        invoice = self._invoice_and_send(ticket)
        self._send_and_print(invoice)

        xml = self._fatturapa(invoice)
        short, long = self._texts(xml, "//DettaglioLinee/Descrizione")
        self.assertEqual(len(short), 1000)
        self.assertTrue(short.startswith(f"{ticket.number} - Server room ? UPS"))
        self.assertTrue(short.endswith("...\n03/02/2026 - Work on 2026-03-02"))
        self.assertEqual(len(long), 1000)
        self.assertTrue(long.startswith(f"{ticket.number}\n03/03/2026 - Checked"))
        # The schema does refuse a longer description.
        too_long = copy.deepcopy(xml)
        too_long.find(".//DettaglioLinee/Descrizione").text = "x" * 1001
        self.assertFalse(self.schema.validate(too_long))
