-- Progress of each reading list: entries done against the list's total, what its progress bar shows
-- (the page's script shows the highest entry number), numbers missing or used twice, entries with problems.
with files as (
    select * from stg_reading_list__files
),

entries as (
    select * from reading_list_status
),

per_list as (
    select
        list_file,
        cast(count(*) as integer) as entries_done,
        max(number) as highest_number,
        cast(count(*) filter (where status != 'ok') as integer) as problem_entries
    from entries
    group by list_file
),

expected_numbers as (
    select
        list_file,
        cast(unnest(range(1, highest_number + 1)) as integer) as number
    from per_list
),

missing as (
    select
        expected_numbers.list_file,
        list(expected_numbers.number order by expected_numbers.number) as missing_numbers
    from expected_numbers
    left join entries
        on entries.list_file = expected_numbers.list_file
        and entries.number = expected_numbers.number
    where entries.number is null
    group by expected_numbers.list_file
),

number_uses as (
    select
        list_file,
        number,
        count(*) as uses
    from entries
    group by list_file, number
),

reused as (
    select
        list_file,
        list(number order by number) as duplicate_numbers
    from number_uses
    where uses > 1
    group by list_file
),

final as (
    select
        files.list_file,
        files.list_title,
        coalesce(per_list.entries_done, 0) as entries_done,
        files.declared_total as total,
        cast(coalesce(files.declared_done, per_list.highest_number, 0) as integer) as shown_done,
        per_list.highest_number,
        round(100.0 * coalesce(per_list.entries_done, 0) / nullif(files.declared_total, 0), 1) as percent_done,
        coalesce(missing.missing_numbers, []) as missing_numbers,
        coalesce(reused.duplicate_numbers, []) as duplicate_numbers,
        coalesce(per_list.problem_entries, 0) as problem_entries,
        files.parsed_at
    from files
    left join per_list on per_list.list_file = files.list_file
    left join missing on missing.list_file = files.list_file
    left join reused on reused.list_file = files.list_file
)

select * from final
