-- What the last push sent to Odoo and how the order's lines read back after it: the next
-- push tells "nothing to change" and "edited in Odoo since" from them.
ALTER TABLE odoo_links ADD COLUMN sent_digest TEXT;
ALTER TABLE odoo_links ADD COLUMN lines_digest TEXT;
