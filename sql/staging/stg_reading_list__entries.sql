-- Reading-list entries, one per numbered `## N. Title ([link](url))` heading of each list file: typed.
-- Not partitioned: the reading lists are rebuilt whole from data/reading_lists/.
with source as (
    select * from raw_reading_list__entries
),

ranked as (
    select
        *,
        row_number() over (
            partition by list_file, line
            order by parsed_at desc
        ) as recency
    from source
),

final as (
    select
        list_file,
        cast(line as integer) as line,
        cast(number as integer) as number,
        title,
        link,
        link_well_formed,
        link_kind,
        arxiv_id,
        links_pdf,
        cast(note_chars as integer) as note_chars,
        timezone('UTC', parsed_at) as parsed_at
    from ranked
    where recency = 1
)

select * from final
