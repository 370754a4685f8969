-- The daily digest: papers of a listing date scoring at least min_score, ranked by score, retweets, id
-- (score: the combined engagement of every source, see int_paper_engagement_summed);
-- on_reading_list marks the papers already on one of the reading lists.
with papers as (
    select * from paper_engagement
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

settings as (
    select * from digest_settings
),

reading_list as (
    select * from int_reading_list_papers
),

qualifying as (
    select papers.*
    from papers
    cross join settings
    where papers.score >= settings.min_score
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by listing_date
            order by score desc, retweets desc, arxiv_id
        ) as integer) as rank
    from qualifying
),

final as (
    select
        listing_date,
        rank,
        arxiv_id,
        title,
        authors,
        primary_category,
        categories,
        retweets,
        favorites,
        score,
        tweet_count,
        on_hf_daily_papers,
        hf_upvotes,
        hf_comments,
        hn_stories,
        hn_points,
        hn_comments,
        bluesky_posts,
        bluesky_likes,
        bluesky_reposts,
        bluesky_quotes,
        bluesky_replies,
        abstract,
        as_of,
        reading_list.arxiv_id is not null as on_reading_list
    from ranked
    left join reading_list using (arxiv_id)
)

select * from final
