-- Example questions for the warehouse (data/warehouse.duckdb), one query each. Run one with
-- `hotpapers sql "..."`, or all of them in the duckdb shell: duckdb -readonly data/warehouse.duckdb < docs/examples.sql
-- tests/test_examples.py runs every query here against the sample warehouse, and checks that README shows this file.

-- 1. Top cs.CV papers this month (the newest month in the warehouse; for the calendar month use
--    month_start = date_trunc('month', current_date)).
select
    rank,
    listing_date,
    arxiv_id,
    score,
    title
from digest_category_monthly
where category = 'cs.CV'
    and month_start = (select max(month_start) from digest_category_monthly)
order by rank
limit 10;

-- 2. Which accounts drive the most engagement: X accounts by the retweets + likes of their tweets citing
--    listed papers (each tweet counted once, however many papers it cites).
with tweets as (
    select
        author_handle,
        tweet_id,
        max(score) as score
    from int_tweets_linked_to_papers
    group by author_handle, tweet_id
),

papers as (
    select
        author_handle,
        count(distinct arxiv_id) as papers
    from int_tweets_linked_to_papers
    group by author_handle
)

select
    tweets.author_handle,
    count(*) as tweets,
    any_value(papers.papers) as papers,
    cast(sum(tweets.score) as bigint) as engagement
from tweets
inner join papers using (author_handle)
group by tweets.author_handle
order by engagement desc, tweets.author_handle
limit 10;

-- 3. Papers whose engagement is still rising: score gained between their two newest snapshots, newest
--    listing date first (needs two engagement fetches of a listing date, e.g. two runs a day apart).
select
    listing_date,
    rank,
    arxiv_id,
    score_gained,
    score,
    round(hours_between, 1) as hours_between,
    title
from rising_papers
order by listing_date desc, rank
limit 10;

-- 4. Papers that just missed the digest: shared, but scoring under HOTPAPERS_MIN_SCORE.
select
    papers.listing_date,
    papers.arxiv_id,
    papers.score,
    settings.min_score - papers.score as short_by,
    papers.title
from paper_engagement as papers
cross join digest_settings as settings
where papers.score > 0
    and papers.score < settings.min_score
order by papers.listing_date desc, papers.score desc;

-- 5. Which categories get shared most: per category, papers listed, papers in the digest, and the
--    median score of a listed paper.
with listed as (
    select
        unnest(categories) as category,
        score
    from paper_engagement
)

select
    category,
    count(*) as papers,
    count(*) filter (where score >= (select min_score from digest_settings)) as in_digest,
    median(score) as median_score
from listed
group by category
order by in_digest desc, papers desc, category;
