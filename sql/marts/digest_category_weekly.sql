-- The week's top papers per category: every category a paper of digest_weekly is listed in, ranked within it.
with digest as (
    select * from digest_weekly
),

by_category as (
    select
        unnest(categories) as category,
        *
    from digest
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by week_start, category
            order by score desc, retweets desc, arxiv_id
        ) as integer) as category_rank
    from by_category
),

final as (
    select
        week_start,
        category,
        category_rank as rank,
        rank as overall_rank,
        listing_date,
        arxiv_id,
        title,
        authors,
        primary_category,
        categories,
        retweets,
        favorites,
        score,
        tweet_count,
        as_of,
        on_reading_list
    from ranked
)

select * from final
