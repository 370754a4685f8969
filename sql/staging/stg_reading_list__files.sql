-- Reading-list files, one row per list: its title and the figures of its progress bar (done / total).
with source as (
    select * from raw_reading_list__files
),

ranked as (
    select
        *,
        row_number() over (
            partition by list_file
            order by parsed_at desc
        ) as recency
    from source
),

final as (
    select
        list_file,
        list_title,
        cast(declared_total as integer) as declared_total,
        cast(declared_done as integer) as declared_done,
        cast(entry_count as integer) as entry_count,
        timezone('UTC', parsed_at) as parsed_at
    from ranked
    where recency = 1
)

select * from final
