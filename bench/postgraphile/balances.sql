-- A profile's balances as a PostGraphile user would write them: a STABLE SQL function on
-- `profile`, which PostGraphile exposes as `Profile.balances`. Same rule as the gateway's
-- balance_sql (balances/service.py): live lots only, percentage rewards not counted, points
-- in dollars rounded down to the cent at the program's rate.
DROP TYPE IF EXISTS profile_balance CASCADE;
CREATE TYPE profile_balance AS (
  reward_balance text,
  point_balance integer,
  point_balance_dollars text,
  combined_balance_dollars text
);
CREATE FUNCTION profile_balances(p profile) RETURNS profile_balance AS $$
  WITH s AS (
    SELECT
      (SELECT COALESCE(SUM(r.value_remaining_cents), 0) FROM reward r
        WHERE r.profile_id = p.id AND r.type NOT IN ('percentage')
          AND r.voided_at IS NULL AND r.value_remaining_cents > 0
          AND (r.expires_at IS NULL OR r.expires_at > now())) AS reward_cents,
      (SELECT COALESCE(SUM(l.points_remaining), 0) FROM point_lot l
        WHERE l.profile_id = p.id AND l.voided_at IS NULL AND l.points_remaining > 0
          AND (l.expires_at IS NULL OR l.expires_at > now())) AS points,
      (SELECT points_to_dollars_rate FROM program_settings WHERE id = 1) AS rate
  ), c AS (
    SELECT reward_cents, points, floor(points * rate * 100)::bigint AS point_cents FROM s
  )
  SELECT to_char(reward_cents / 100.0, 'FM999999999990.00'), points::integer,
         to_char(point_cents / 100.0, 'FM999999999990.00'),
         to_char((reward_cents + point_cents) / 100.0, 'FM999999999990.00')
    FROM c
$$ LANGUAGE sql STABLE;
