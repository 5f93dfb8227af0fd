using System.Runtime.InteropServices;
using System.Text;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// A fixed-width column: one value per row, <see cref="Missing"/> where a row has none. The array is allocated when
/// the first value arrives, so a field nobody has (churn risk before the AI module scores anyone) costs nothing.
/// </summary>
internal sealed class ValueColumn<T>(T missing)
    where T : unmanaged
{
    private int _capacity;

    public T Missing { get; } = missing;

    /// <summary>False while no row has ever had a value: every row is missing.</summary>
    public bool Allocated { get; private set; }

    public T[] Values { get; private set; } = [];

    public long Bytes => (long)Values.Length * Marshal.SizeOf<T>();

    public T this[int row]
    {
        get => Allocated ? Values[row] : Missing;
        set
        {
            if (!Allocated)
            {
                if (EqualityComparer<T>.Default.Equals(value, Missing))
                {
                    return;
                }

                Allocated = true;
                Grow();
            }

            Values[row] = value;
        }
    }

    public void Resize(int capacity)
    {
        _capacity = capacity;
        if (Allocated)
        {
            Grow();
        }
    }

    private void Grow()
    {
        var old = Values.Length;
        var values = Values;
        Array.Resize(ref values, _capacity);
        values.AsSpan(old).Fill(Missing);
        Values = values;
    }
}

/// <summary>
/// Free text (email, name, phone) as UTF-8 in one byte arena, two bytes of length before each value, and an offset
/// per row (-1: none). A changed value is appended; the arena is compacted when more than half of it is stale.
/// </summary>
internal sealed class TextColumn
{
    private const int MaxBytes = ushort.MaxValue;
    private byte[] _data = new byte[1024];
    private int _used;
    private int _live;

    public int[] Offsets { get; private set; } = [];

    public long Bytes => _data.Length + ((long)Offsets.Length * sizeof(int));

    public void Resize(int capacity)
    {
        var old = Offsets.Length;
        var offsets = Offsets;
        Array.Resize(ref offsets, capacity);
        offsets.AsSpan(old).Fill(-1);
        Offsets = offsets;
    }

    /// <summary>Reserves room for <paramref name="bytes"/> more text, so a rebuild allocates the arena once.</summary>
    public void Reserve(long bytes)
    {
        var wanted = (int)Math.Min(Array.MaxLength, _used + bytes);
        if (wanted > _data.Length)
        {
            Array.Resize(ref _data, wanted);
        }
    }

    /// <summary>Gives back the arena's unused tail (after a rebuild, which sized it by estimate).</summary>
    public void TrimExcess()
    {
        if (_data.Length > _used + 1024)
        {
            Array.Resize(ref _data, _used + 1024);
        }
    }

    public bool Has(int row) => Offsets[row] >= 0;

    public ReadOnlySpan<byte> Get(int row)
    {
        var offset = Offsets[row];
        if (offset < 0)
        {
            return default;
        }

        var length = _data[offset] | (_data[offset + 1] << 8);
        return _data.AsSpan(offset + 2, length);
    }

    public void Set(int row, string? text)
    {
        if (text is null)
        {
            Clear(row);
            return;
        }

        Span<byte> scratch = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = max <= scratch.Length ? scratch : new byte[max];
        var length = Math.Min(Encoding.UTF8.GetBytes(text, buffer), MaxBytes);
        var bytes = buffer[..length];
        if (Has(row) && Get(row).SequenceEqual(bytes))
        {
            return;
        }

        Clear(row);
        if (_used + length + 2 > _data.Length)
        {
            Make(length + 2);
        }

        _data[_used] = (byte)length;
        _data[_used + 1] = (byte)(length >> 8);
        bytes.CopyTo(_data.AsSpan(_used + 2));
        Offsets[row] = _used;
        _used += length + 2;
        _live += length + 2;
    }

    public void Clear(int row)
    {
        if (Offsets[row] >= 0)
        {
            _live -= Get(row).Length + 2;
            Offsets[row] = -1;
        }
    }

    private void Make(int room)
    {
        if (_live < _used / 2)
        {
            // Rewrite the live values in row order into a fresh arena sized for them.
            var fresh = new byte[Math.Max(_data.Length, _live + room + 1024)];
            var used = 0;
            for (var row = 0; row < Offsets.Length; row++)
            {
                if (Offsets[row] < 0)
                {
                    continue;
                }

                var value = Get(row);
                fresh[used] = (byte)value.Length;
                fresh[used + 1] = (byte)(value.Length >> 8);
                value.CopyTo(fresh.AsSpan(used + 2));
                Offsets[row] = used;
                used += value.Length + 2;
            }

            _data = fresh;
            _used = used;
            _live = used;
            if (_used + room <= _data.Length)
            {
                return;
            }
        }

        Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(_data.Length + (_data.Length / 4), _used + room + 1024)));
    }
}

/// <summary>
/// Text with few distinct values (city, country, gender, time zone, text attributes): a code per row, 0 for none,
/// and the dictionary of values. Codes take two bytes until a column holds more than 65,535 distinct values, then
/// four. Conditions are decided once per distinct value and then scanned as codes.
/// </summary>
internal sealed class CategoryColumn
{
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly List<string> _values = [""];
    private readonly List<string?> _display = [null];
    private ValueColumn<ushort> _narrow = new(0);
    private ValueColumn<int>? _wide;
    private int _capacity;

    /// <summary>Distinct values plus one (code 0 is "none"). Codes are never reused, so this only grows.</summary>
    public int Count => _values.Count;

    /// <summary>False while no row has a value.</summary>
    public bool Allocated => _wide?.Allocated ?? _narrow.Allocated;

    public long Bytes => (_wide?.Bytes ?? _narrow.Bytes) + _values.Sum(v => 40L + (2L * v.Length));

    public void Resize(int capacity)
    {
        _capacity = capacity;
        _narrow.Resize(capacity);
        _wide?.Resize(capacity);
    }

    public int CodeAt(int row) => _wide is null ? _narrow[row] : _wide[row];

    public string ValueOf(int code) => _values[code];

    /// <summary>The spelling first seen for a value (lower case unless a display form was given).</summary>
    public string DisplayOf(int code) => _display[code] ?? _values[code];

    public int CodeOf(string key) => _codes.GetValueOrDefault(key);

    public void Set(int row, string? key, string? display = null)
    {
        var code = key is null ? 0 : Intern(key, display);
        if (_wide is null && code > ushort.MaxValue)
        {
            Widen();
        }

        if (_wide is null)
        {
            _narrow[row] = (ushort)code;
        }
        else
        {
            _wide[row] = code;
        }
    }

    /// <summary>Rows whose code is <paramref name="code"/> (0: rows without a value).</summary>
    public void ScanEqual(int code, Span<ulong> result, ReadOnlySpan<ulong> candidates)
    {
        if (_wide is null)
        {
            ColumnScan.Equal(_narrow.Values, (ushort)code, result, candidates);
        }
        else
        {
            ColumnScan.Equal(_wide.Values, code, result, candidates);
        }
    }

    public void ScanLookup(bool[] wanted, Span<ulong> result, ReadOnlySpan<ulong> candidates)
    {
        if (_wide is null)
        {
            ColumnScan.Lookup(_narrow.Values, wanted, result, candidates);
        }
        else
        {
            ColumnScan.Lookup(_wide.Values, wanted, result, candidates);
        }
    }

    private void Widen()
    {
        var wide = new ValueColumn<int>(0);
        wide.Resize(_capacity);
        if (_narrow.Allocated)
        {
            for (var row = 0; row < _capacity; row++)
            {
                wide[row] = _narrow[row];
            }
        }

        _wide = wide;
        _narrow = new ValueColumn<ushort>(0);
    }

    private int Intern(string key, string? display)
    {
        if (!_codes.TryGetValue(key, out var code))
        {
            code = _values.Count;
            _codes[key] = code;
            _values.Add(key);
            _display.Add(display);
        }

        return code;
    }
}

/// <summary>A set of text values per row (tags, preferences): one row bitmap per distinct value.</summary>
internal sealed class ListColumn
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<ulong[]> _bits = [];
    private int _words;

    public IReadOnlyList<ulong[]> All => _bits;

    public long Bytes => (long)_bits.Count * _words * sizeof(ulong);

    public ulong[]? Of(string value) => _index.TryGetValue(value, out var i) ? _bits[i] : null;

    public void Resize(int capacity)
    {
        _words = Bitmaps.WordsFor(capacity);
        for (var i = 0; i < _bits.Count; i++)
        {
            var bits = _bits[i];
            Array.Resize(ref bits, _words);
            _bits[i] = bits;
        }
    }

    public void Set(int row, IReadOnlyCollection<string> values)
    {
        Clear(row);
        foreach (var value in values)
        {
            if (!_index.TryGetValue(value, out var i))
            {
                i = _bits.Count;
                _index[value] = i;
                _bits.Add(new ulong[_words]);
            }

            Bitmaps.Set(_bits[i], row, true);
        }
    }

    public void Clear(int row)
    {
        foreach (var bits in _bits)
        {
            Bitmaps.Set(bits, row, false);
        }
    }
}

/// <summary>
/// A custom attribute's columns, one per type of value held under its key, each made with the first value of its
/// type: a customer's value sits in the column of its own type, so a rule of one type finds every customer holding
/// that type whatever others hold. <see cref="Type"/> is the first type seen, the one the field catalog lists.
/// </summary>
internal sealed class AttributeColumn(Contracts.SegmentFieldType type)
{
    private int _capacity;

    public Contracts.SegmentFieldType Type { get; } = type;

    public ValueColumn<double>? Numbers { get; private set; }

    public CategoryColumn? Texts { get; private set; }

    /// <summary>0 none, 1 false, 2 true.</summary>
    public ValueColumn<byte>? Flags { get; private set; }

    public WholeColumn<int>? Dates { get; private set; }

    public long Bytes => (Numbers?.Bytes ?? 0) + (Texts?.Bytes ?? 0) + (Flags?.Bytes ?? 0) + (Dates?.Bytes ?? 0);

    public void Resize(int capacity)
    {
        _capacity = capacity;
        Numbers?.Resize(capacity);
        Texts?.Resize(capacity);
        Flags?.Resize(capacity);
        Dates?.Resize(capacity);
    }

    public void Set(int row, AudienceAttribute? value)
    {
        if (value?.Number is not null || Numbers is not null)
        {
            (Numbers ??= Sized(new ValueColumn<double>(double.NaN)))[row] = value?.Number is { } n ? (double)n : double.NaN;
        }

        if (value?.Flag is not null || Flags is not null)
        {
            (Flags ??= Sized(new ValueColumn<byte>(0)))[row] = value?.Flag switch { true => 2, false => 1, null => 0 };
        }

        if (value?.Date is not null || Dates is not null)
        {
            if (Dates is null)
            {
                Dates = new WholeColumn<int>();
                Dates.Resize(_capacity);
            }

            Dates[row] = Instants.Of(value?.Date);
        }

        if (value?.Text is not null || Texts is not null)
        {
            if (Texts is null)
            {
                Texts = new CategoryColumn();
                Texts.Resize(_capacity);
            }

            Texts.Set(row, value?.Text);
        }
    }

    public static Contracts.SegmentFieldType TypeOf(AudienceAttribute value) => value switch
    {
        { Number: not null } => Contracts.SegmentFieldType.Number,
        { Flag: not null } => Contracts.SegmentFieldType.Boolean,
        { Date: not null } => Contracts.SegmentFieldType.Date,
        _ => Contracts.SegmentFieldType.Text,
    };

    private ValueColumn<T> Sized<T>(ValueColumn<T> column)
        where T : unmanaged
    {
        column.Resize(_capacity);
        return column;
    }
}
