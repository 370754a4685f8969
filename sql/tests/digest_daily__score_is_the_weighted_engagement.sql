-- The score is the weighted sum of the paper's figures (weight × (reposts + likes) per source), exactly
-- when no account's share is capped and never more when one is; the order follows it.
with settings as (
    select * from digest_settings
),

digest as (
    select
        *,
        lag(score) over (partition by listing_date order by rank) as previous_score
    from digest_daily
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

checked as (
    select
        digest.listing_date,
        digest.rank,
        digest.arxiv_id,
        digest.score,
        digest.previous_score,
        round(
            settings.weight_x * (digest.retweets + digest.favorites)
            + settings.weight_hf * digest.hf_upvotes
            + settings.weight_hn * digest.hn_points
            + settings.weight_bluesky * (digest.bluesky_likes + digest.bluesky_reposts)
        ) as weighted_engagement,
        settings.account_cap
    from digest
    cross join settings
)

select * from checked
where score > weighted_engagement
    or (account_cap >= 1 and score != weighted_engagement)
    or score > previous_score
