-- +goose Up

-- A pending order contributes nothing to follow-up (its approval marks it, 00018), yet every
-- line inserted with it marked the order dirty, so each placed order paid the flush at commit
-- (reading follow_order_state, comparing, deleting the mark) for nothing: about 2 ms of an
-- order's time in bench/orders, where orders await approval. Lines and deviations now mark
-- their order only once it is approved; the approval itself still marks it, and reads its lines.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION follow_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty VALUES (OLD.id) ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME IN ('order_lines', 'deviations') THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty SELECT OLD.order_id
            WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = OLD.order_id AND o.approved_at IS NOT NULL)
            ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty SELECT NEW.order_id
            WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = NEW.order_id AND o.approved_at IS NOT NULL)
            ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME = 'items' THEN
        INSERT INTO follow_dirty SELECT DISTINCT l.order_id FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.item_id = NEW.id AND o.approved_at IS NOT NULL ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'agreements' THEN
        INSERT INTO follow_dirty SELECT o.id FROM orders o WHERE o.agreement_id = NEW.id AND o.approved_at IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION follow_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty VALUES (OLD.id) ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME IN ('order_lines', 'deviations') THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty VALUES (OLD.order_id) ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty VALUES (NEW.order_id) ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME = 'items' THEN
        INSERT INTO follow_dirty SELECT DISTINCT l.order_id FROM order_lines l WHERE l.item_id = NEW.id ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'agreements' THEN
        INSERT INTO follow_dirty SELECT o.id FROM orders o WHERE o.agreement_id = NEW.id AND o.approved_at IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
