using System.Buffers;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Customer id to index row. Ids are UUID v7 hex, kept as 16-byte Guids in an open-addressing table of row numbers
/// (no per-entry objects, at most three quarters full, any size: a hash maps onto it by multiplication); an id of
/// another shape falls back to a dictionary.
/// </summary>
internal sealed class RowIds
{
    private const int Empty = 0;
    private const int Removed = -1;

    private readonly Dictionary<string, int> _oddIds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _oddRows = [];
    private Guid[] _ids = [];
    private int[] _slots = new int[1024];
    private int _used;

    public long Bytes => ((long)_ids.Length * 16) + ((long)_slots.Length * sizeof(int));

    public void Resize(int capacity) => Array.Resize(ref _ids, capacity);

    public string IdOf(int row) => _oddRows.TryGetValue(row, out var odd) ? odd : _ids[row].ToString("N");

    public int Find(string id)
    {
        if (!TryParse(id, out var guid))
        {
            return _oddIds.GetValueOrDefault(id, -1);
        }

        for (var i = Start(guid); ; i = Next(i))
        {
            var slot = _slots[i];
            if (slot == Empty)
            {
                return -1;
            }

            if (slot > 0 && _ids[slot - 1] == guid)
            {
                return slot - 1;
            }
        }
    }

    public void Add(string id, int row)
    {
        if (!TryParse(id, out var guid))
        {
            _oddIds[id] = row;
            _oddRows[row] = id;
            return;
        }

        _ids[row] = guid;
        if ((_used + 1) * 4L > _slots.Length * 3L)
        {
            Rehash(_slots.Length * 2);
        }

        Insert(guid, row);
        _used++;
    }

    public void Remove(string id, int row)
    {
        if (_oddIds.Remove(id))
        {
            _oddRows.Remove(row);
            return;
        }

        var guid = _ids[row];
        for (var i = Start(guid); _slots[i] != Empty; i = Next(i))
        {
            if (_slots[i] == row + 1)
            {
                _slots[i] = Removed;
                _ids[row] = Guid.Empty;
                return;
            }
        }
    }

    /// <summary>Sizes the table for <paramref name="count"/> ids at once (a rebuild), so it rehashes once.</summary>
    public void Reserve(int count)
    {
        var size = (int)Math.Min(Array.MaxLength, (count * 4L / 3) + 1024);
        if (size > _slots.Length)
        {
            Rehash(size);
        }
    }

    private void Insert(Guid guid, int row)
    {
        var i = Start(guid);
        while (_slots[i] > 0)
        {
            i = Next(i);
        }

        _slots[i] = row + 1;
    }

    private void Rehash(int size)
    {
        var old = _slots;
        _slots = new int[size];
        foreach (var slot in old)
        {
            if (slot > 0)
            {
                Insert(_ids[slot - 1], slot - 1);
            }
        }
    }

    // The multiplication spreads ids that differ only in low bits (a Guid's hash XORs its parts) over the high bits,
    // which the range reduction reads.
    private int Start(Guid guid) => (int)(((ulong)((uint)guid.GetHashCode() * 0x9E3779B1u) * (ulong)_slots.Length) >> 32);

    private int Next(int i) => i + 1 == _slots.Length ? 0 : i + 1;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>Only the canonical spelling (32 lower-case hex digits) maps to a Guid, so the id reads back as sent.</summary>
    private static bool TryParse(string id, out Guid guid)
    {
        if (id.Length == 32 && !id.AsSpan().ContainsAnyExcept(LowerHex))
        {
            return Guid.TryParseExact(id, "N", out guid);
        }

        guid = default;
        return false;
    }
}
