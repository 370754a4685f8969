-- Every engagement source in one shape: one row per (listed paper, post citing it), with its source:
-- x (original tweets), hf (the paper's Hugging Face Daily Papers entry), hn (Hacker News stories),
-- bluesky (posts). Each post's latest snapshot from any fetch that can hold it (the paper's listing date
-- and the 7 days after); a post citing several papers has a row for each paper, with its full counts.
-- points = reposts + likes, what the score counts: X retweets + favorites, HF upvotes, HN points,
-- Bluesky reposts + likes. ignored: the account is on HOTPAPERS_IGNORE_ACCOUNTS (by handle or id).
with papers as (
    select * from stg_arxiv__papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

settings as (
    select * from digest_settings
),

tweets as (
    select * from int_tweets_linked_to_papers
    where getvariable('listing_date') is null or listing_date = getvariable('listing_date')
),

hf_fetched as (
    select * from stg_hf__daily_papers
    where getvariable('listing_date') is null
        or listing_date between cast(getvariable('listing_date') as date)
            and cast(getvariable('listing_date') as date) + 7
),

hf_latest as (
    select *
    from hf_fetched
    qualify row_number() over (
        partition by arxiv_id
        order by snapshot_at desc, listing_date desc
    ) = 1
),

hn_fetched as (
    select * from stg_hn__stories
    where getvariable('listing_date') is null
        or listing_date between cast(getvariable('listing_date') as date)
            and cast(getvariable('listing_date') as date) + 7
),

hn_latest as (
    select *
    from hn_fetched
    qualify row_number() over (
        partition by story_id
        order by snapshot_at desc, listing_date desc
    ) = 1
),

hn_citations as (
    select
        story_id,
        unnest(cited_arxiv_ids) as arxiv_id
    from hn_latest
),

bluesky_fetched as (
    select * from stg_bluesky__posts
    where getvariable('listing_date') is null
        or listing_date between cast(getvariable('listing_date') as date)
            and cast(getvariable('listing_date') as date) + 7
),

bluesky_latest as (
    select *
    from bluesky_fetched
    qualify row_number() over (
        partition by uri
        order by snapshot_at desc, listing_date desc
    ) = 1
),

bluesky_citations as (
    select
        uri,
        unnest(cited_arxiv_ids) as arxiv_id
    from bluesky_latest
),

x_posts as (
    select
        listing_date,
        arxiv_id,
        'x' as source,
        tweet_id as post_id,
        author_id as account_id,
        author_handle as account_handle,
        created_at,
        retweet_count as reposts,
        like_count as likes,
        cast(null as bigint) as comments,
        cast(null as bigint) as quotes,
        snapshot_at
    from tweets
),

hf_posts as (
    select
        papers.listing_date,
        papers.arxiv_id,
        'hf' as source,
        hf_latest.arxiv_id as post_id,
        hf_latest.submitted_by as account_id,
        hf_latest.submitted_by as account_handle,
        hf_latest.submitted_at as created_at,
        cast(null as bigint) as reposts,
        hf_latest.upvotes as likes,
        hf_latest.comment_count as comments,
        cast(null as bigint) as quotes,
        hf_latest.snapshot_at
    from hf_latest
    inner join papers on papers.arxiv_id = hf_latest.arxiv_id
),

hn_posts as (
    select
        papers.listing_date,
        papers.arxiv_id,
        'hn' as source,
        hn_latest.story_id as post_id,
        hn_latest.author as account_id,
        hn_latest.author as account_handle,
        hn_latest.created_at,
        cast(null as bigint) as reposts,
        hn_latest.points as likes,
        hn_latest.comment_count as comments,
        cast(null as bigint) as quotes,
        hn_latest.snapshot_at
    from hn_citations
    inner join hn_latest on hn_latest.story_id = hn_citations.story_id
    inner join papers on papers.arxiv_id = hn_citations.arxiv_id
),

bluesky_posts as (
    select
        papers.listing_date,
        papers.arxiv_id,
        'bluesky' as source,
        bluesky_latest.uri as post_id,
        bluesky_latest.author_did as account_id,
        bluesky_latest.author_handle as account_handle,
        bluesky_latest.created_at,
        bluesky_latest.repost_count as reposts,
        bluesky_latest.like_count as likes,
        bluesky_latest.reply_count as comments,
        bluesky_latest.quote_count as quotes,
        bluesky_latest.snapshot_at
    from bluesky_citations
    inner join bluesky_latest on bluesky_latest.uri = bluesky_citations.uri
    inner join papers on papers.arxiv_id = bluesky_citations.arxiv_id
),

all_posts as (
    select * from x_posts
    union all by name
    select * from hf_posts
    union all by name
    select * from hn_posts
    union all by name
    select * from bluesky_posts
),

final as (
    select
        all_posts.listing_date,
        all_posts.arxiv_id,
        all_posts.source,
        all_posts.post_id,
        all_posts.account_id,
        all_posts.account_handle,
        all_posts.created_at,
        all_posts.reposts,
        all_posts.likes,
        all_posts.comments,
        all_posts.quotes,
        coalesce(all_posts.reposts, 0) + all_posts.likes as points,
        all_posts.snapshot_at,
        list_contains(settings.ignored_accounts, all_posts.source || ':' || lower(all_posts.account_handle))
            or list_contains(settings.ignored_accounts, all_posts.source || ':' || lower(all_posts.account_id))
            as ignored
    from all_posts
    cross join settings
)

select * from final
