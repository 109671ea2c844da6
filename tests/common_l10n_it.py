# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An Italian service company that sends FatturaPA e-invoices with Odoo's
``l10n_it_edi``, and its customers of every kind.

Only for the tests of ``test_l10n_it_*.py``, which ``make test`` runs on a
database of their own with ``l10n_it`` and ``l10n_it_edi`` installed.
"""

import base64
from pathlib import Path

from lxml import etree

from odoo import Command
from odoo.tools.misc import file_open

from .common import HelpdeskInvoicingCommon

SCHEMAS = Path(__file__).parent / "schemas"
FATTURAPA_SCHEMA = "Schema_del_file_xml_FatturaPA_v1.2.2.xsd"


class _LocalSchemas(etree.Resolver):
    """Finds the schemas the FatturaPA schema imports in ``schemas/``, by
    their file name: the signature schema instead of its W3C address."""

    def resolve(self, system_url, public_id, context):
        path = SCHEMAS / system_url.rsplit("/", 1)[-1]
        if path.is_file():
            return self.resolve_filename(str(path), context)
        return None


def fatturapa_schema():
    """The official FatturaPA 1.2.2 schema, loaded without network access."""
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / FATTURAPA_SCHEMA), parser))


class HelpdeskInvoicingItalyCommon(HelpdeskInvoicingCommon):
    """The company of ``common.py``, Italian: on the Italian chart of accounts,
    with its VAT number, fiscal code, tax system and address, registered for
    e-invoicing. Its customers:

    * Rossi Impianti S.r.l.: VAT number and recipient code (*codice
      destinatario*); Mario Rossi is a contact person of it;
    * Giulia Verdi: a private person, with her fiscal code (*codice fiscale*);
    * Comune di Pontedera: a public administration, with its 6-character
      office code (*codice univoco ufficio*);
    * Bianchi Servizi S.p.A.: nothing filled in yet.

    Services: Hourly Support and On-site Intervention at 22 % VAT, and
    Training Course, exempt from VAT (nature N4, art. 10 DPR 633/1972).
    """

    @classmethod
    @HelpdeskInvoicingCommon.setup_country("it")
    def setUpClass(cls):
        super().setUpClass()
        italy = cls.env.ref("base.it")
        pisa = cls.env["res.country.state"].search(
            [("country_id", "=", italy.id), ("code", "=", "PI")]
        )
        cls.company.write(
            {
                "name": "Assistenza Informatica S.r.l.",
                "vat": "IT01234560157",
                "l10n_it_codice_fiscale": "01234560157",
                "l10n_it_tax_system": "RF01",
                "street": "Via Roma 1",
                "zip": "56025",
                "city": "Pontedera",
                "state_id": pisa.id,
                "phone": "0587123456",
                "email": "fatture@assistenza.example.com",
            }
        )
        # Registered for e-invoicing (Settings > Italian Electronic Invoicing):
        # the registration Odoo makes with its proxy, here without network.
        cls.env["account_edi_proxy_client.user"].create(
            {
                "proxy_type": "l10n_it_edi",
                "id_client": "hdi_l10n_it_edi_test",
                "company_id": cls.company.id,
                "edi_identification": "hdi_l10n_it_edi_test",
                "private_key_id": cls.env["certificate.key"]
                .create(
                    {
                        "name": "Test key",
                        "content": base64.b64encode(
                            file_open("l10n_it_edi/data/pkey.key", "rb").read()
                        ),
                    }
                )
                .id,
            }
        )
        address = {
            "country_id": italy.id,
            "state_id": pisa.id,
            "zip": "56127",
            "city": "Pisa",
        }
        cls.rossi.write(
            {
                **address,
                "street": "Via Garibaldi 12",
                "vat": "IT02468130154",
                "l10n_it_codice_fiscale": "02468130154",
                "l10n_it_pa_index": "M5UXCR1",
            }
        )
        cls.verdi.write(
            {
                **address,
                "street": "Via San Martino 3",
                "l10n_it_codice_fiscale": "VRDGLI80A41F205V",
            }
        )
        cls.comune = cls.env["res.partner"].create(
            {
                **address,
                "name": "Comune di Pontedera",
                "is_company": True,
                "street": "Corso Matteotti 37",
                "zip": "56025",
                "city": "Pontedera",
                "vat": "IT09876540031",
                "l10n_it_codice_fiscale": "80001230582",
                "l10n_it_pa_index": "UFT3KQ",
            }
        )
        cls.vat_22 = cls.tax_sale_a
        cls.vat_exempt = cls.env["account.tax"].create(
            {
                "name": "0% Esente art. 10",
                "amount": 0.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "l10n_it_exempt_reason": "N4",
                "l10n_it_law_reference": "Art. 10 DPR 633/1972",
            }
        )
        cls.training = cls._new_product(
            "Training Course", 60.0, taxes_id=[Command.set(cls.vat_exempt.ids)]
        )
        cls.schema = fatturapa_schema()

    def _send_and_print(self, invoices):
        """Post the invoices and Send & Print them, as the billing clerk.

        Each Italian customer gets its invoice as a FatturaPA XML (the
        e-invoice format Odoo proposes for Italian customers); "Send to Tax
        Agency" stays unticked: it would upload the XML to the SdI.
        """
        invoices.with_user(self.clerk).action_post()
        self.env["account.move.send"].with_user(self.clerk)._generate_and_send_invoices(
            invoices, sending_methods={"manual"}, extra_edis=set()
        )

    def _fatturapa(self, invoice):
        """The FatturaPA XML of a sent invoice, checked against the official
        schema first."""
        xml = etree.fromstring(invoice.l10n_it_edi_attachment_id.raw)
        self.schema.assertValid(xml)
        return xml

    @staticmethod
    def _texts(xml, xpath):
        return [node.text for node in xml.xpath(xpath)]
