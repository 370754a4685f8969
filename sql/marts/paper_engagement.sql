-- Every listed paper with its engagement, zero when nobody shared it: under the digest threshold too.
-- X's retweets/favorites, the other sources' figures, and the combined score (int_paper_engagement_summed).
with papers as (
    select * from stg_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

engagement as (
    select * from int_paper_engagement_summed
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

final as (
    select
        papers.listing_date,
        papers.arxiv_id,
        papers.version,
        papers.title,
        papers.authors,
        papers.primary_category,
        papers.categories,
        papers.abstract,
        papers.published_at,
        cast(coalesce(engagement.retweets, 0) as bigint) as retweets,
        cast(coalesce(engagement.favorites, 0) as bigint) as favorites,
        cast(coalesce(engagement.score, 0) as bigint) as score,
        cast(coalesce(engagement.tweet_count, 0) as bigint) as tweet_count,
        coalesce(engagement.on_hf_daily_papers, false) as on_hf_daily_papers,
        coalesce(engagement.hf_upvotes, 0) as hf_upvotes,
        coalesce(engagement.hf_comments, 0) as hf_comments,
        coalesce(engagement.hn_stories, 0) as hn_stories,
        coalesce(engagement.hn_points, 0) as hn_points,
        coalesce(engagement.hn_comments, 0) as hn_comments,
        coalesce(engagement.bluesky_posts, 0) as bluesky_posts,
        coalesce(engagement.bluesky_likes, 0) as bluesky_likes,
        coalesce(engagement.bluesky_reposts, 0) as bluesky_reposts,
        coalesce(engagement.bluesky_quotes, 0) as bluesky_quotes,
        coalesce(engagement.bluesky_replies, 0) as bluesky_replies,
        coalesce(engagement.score_before_cap, 0) as score_before_cap,
        engagement.as_of
    from papers
    left join engagement
        on engagement.arxiv_id = papers.arxiv_id
        and engagement.listing_date = papers.listing_date
)

select * from final
