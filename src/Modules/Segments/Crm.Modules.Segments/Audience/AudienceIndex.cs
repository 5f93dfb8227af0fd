using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// The audience index: every customer's segmentable fields as columns, one row per customer, rebuilt from
/// <c>segments.audience</c> at start and kept current by the event handlers. Writers take the write lock for one
/// customer at a time; previews and analyses read under the read lock, so a scan never sees half a row.
/// </summary>
internal sealed class AudienceIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, AttributeColumn> _attributes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _changes;

    public int Capacity { get; private set; }

    /// <summary>Rows in use, live or erased; rows beyond are never read.</summary>
    public int Rows { get; private set; }

    public int Words => Bitmaps.WordsFor(Capacity);

    public int LiveCount { get; private set; }

    /// <summary>Raised by every change; the membership tracker compares it to know whether to look again.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Completes once the rebuild at start has loaded every stored profile.</summary>
    public Task Loaded => _loaded.Task;

    public ulong[] Live { get; private set; } = [];

    public RowIds Ids { get; } = new();

    /// <summary>The part of the email before its last '@'; the domain is <see cref="EmailDomain"/>, so it is kept once per domain.</summary>
    public TextColumn Email { get; } = new();

    /// <summary>The rows whose email has an '@' between <see cref="Email"/> and <see cref="EmailDomain"/> (valid ones all do).</summary>
    public ulong[] EmailAt { get; private set; } = [];

    public TextColumn Name { get; } = new();

    public PhoneColumn Phone { get; } = new();

    public CategoryColumn EmailDomain { get; } = new();

    public CategoryColumn TimeZone { get; } = new();

    public CategoryColumn City { get; } = new();

    public CategoryColumn Country { get; } = new();

    public CategoryColumn Gender { get; } = new();

    public WholeColumn<ushort> Age { get; } = new();

    /// <summary>Instants are whole seconds since 2000 (<see cref="Instants"/>).</summary>
    public WholeColumn<int> BirthDate { get; } = new();

    public ListColumn Tags { get; } = new();

    public ListColumn Preferences { get; } = new();

    /// <summary>0 unknown, 1 opted in, 2 opted out.</summary>
    public ValueColumn<byte> EmailConsent { get; } = new(0);

    public ValueColumn<byte> SmsConsent { get; } = new(0);

    public ValueColumn<byte> PushConsent { get; } = new(0);

    public WholeColumn<int> CreatedAt { get; } = new();

    public ValueColumn<double> TotalSpent { get; } = new(double.NaN);

    public WholeColumn<ushort> OrderCount { get; } = new();

    public WholeColumn<ushort> VisitCount { get; } = new();

    public WholeColumn<int> LastOrderAt { get; } = new();

    public WholeColumn<int> LastVisit { get; } = new();

    public ValueColumn<double> EngagementScore { get; } = new(double.NaN);

    public ValueColumn<double> ChurnRisk { get; } = new(double.NaN);

    public OrderTable Orders { get; } = new();

    /// <summary>Bytes held by the columns, dictionaries and tables (the managed arrays, not object headers).</summary>
    public long Bytes
    {
        get
        {
            using var read = Read();
            return Ids.Bytes + ((long)Live.Length * sizeof(ulong) * 2) + Email.Bytes + Name.Bytes + Phone.Bytes
                + EmailDomain.Bytes + TimeZone.Bytes + City.Bytes + Country.Bytes + Gender.Bytes + Age.Bytes + BirthDate.Bytes
                + Tags.Bytes + Preferences.Bytes + EmailConsent.Bytes + SmsConsent.Bytes + PushConsent.Bytes + CreatedAt.Bytes
                + TotalSpent.Bytes + OrderCount.Bytes + VisitCount.Bytes + LastOrderAt.Bytes + LastVisit.Bytes
                + EngagementScore.Bytes + ChurnRisk.Bytes + Orders.Bytes + _attributes.Values.Sum(a => a.Bytes);
        }
    }

    public ReadScope Read()
    {
        _gate.EnterReadLock();
        return new ReadScope(_gate);
    }

    public AttributeColumn? Attribute(string key) => _attributes.GetValueOrDefault(key);

    public SegmentFieldType? AttributeType(string key)
    {
        using var read = Read();
        return _attributes.TryGetValue(key, out var column) ? column.Type : null;
    }

    public IReadOnlyList<SegmentField> AttributeFields()
    {
        using var read = Read();
        return _attributes.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => SegmentFieldCatalog.Attribute(a.Key, a.Value.Type))
            .ToList();
    }

    public int RowOf(string customerId)
    {
        using var read = Read();
        return Ids.Find(customerId);
    }

    /// <summary>Sizes every column for <paramref name="customers"/> rows and <paramref name="orders"/> orders before a rebuild.</summary>
    public void Reserve(int customers, int orders, long textBytesPerCustomer)
    {
        _gate.EnterWriteLock();
        try
        {
            EnsureCapacity(customers);
            Ids.Reserve(customers);
            Orders.Reserve(orders);
            Email.Reserve(customers * textBytesPerCustomer / 2);
            Name.Reserve(customers * textBytesPerCustomer / 3);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    public void MarkLoaded()
    {
        _gate.EnterWriteLock();
        try
        {
            Email.TrimExcess();
            Name.TrimExcess();
        }
        finally
        {
            _gate.ExitWriteLock();
        }

        _loaded.TrySetResult();
    }

    public void MarkFailed(Exception failure) => _loaded.TrySetException(failure);

    /// <summary>Writes a customer's row (adding it when new).</summary>
    public void Upsert(AudienceProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _gate.EnterWriteLock();
        try
        {
            var row = Ids.Find(profile.Id);
            if (row < 0)
            {
                row = AddRow(profile.Id);
            }

            var at = profile.Email.LastIndexOf('@');
            Email.Set(row, at < 0 ? profile.Email : profile.Email[..at]);
            Bitmaps.Set(EmailAt, row, at >= 0);
            Name.Set(row, profile.NameKey);
            Phone.Set(row, profile.Phone);
            EmailDomain.Set(row, profile.EmailDomain);
            TimeZone.Set(row, profile.TimeZone);
            City.Set(row, profile.City, profile.CityName);
            Country.Set(row, profile.Country);
            Gender.Set(row, profile.Gender);
            Age[row] = profile.Age;
            BirthDate[row] = Instants.Of(profile.BirthDate);
            Tags.Set(row, profile.Tags);
            Preferences.Set(row, profile.Preferences);
            EmailConsent[row] = ConsentCode(profile.EmailConsent);
            SmsConsent[row] = ConsentCode(profile.SmsConsent);
            PushConsent[row] = ConsentCode(profile.PushConsent);
            CreatedAt[row] = Instants.Of(profile.CreatedAt);
            TotalSpent[row] = (double)profile.TotalSpent;
            OrderCount[row] = profile.OrderCount;
            VisitCount[row] = profile.VisitCount;
            LastOrderAt[row] = Instants.Of(profile.LastOrderAt);
            LastVisit[row] = Instants.Of(profile.LastVisit);
            EngagementScore[row] = profile.EngagementScore ?? double.NaN;
            ChurnRisk[row] = profile.ChurnRisk ?? double.NaN;

            foreach (var (key, value) in profile.Attributes)
            {
                if (!_attributes.TryGetValue(key, out var column))
                {
                    column = new AttributeColumn(AttributeColumn.TypeOf(value));
                    column.Resize(Capacity);
                    _attributes[key] = column;
                }
            }

            foreach (var (key, column) in _attributes)
            {
                var value = profile.Attributes.GetValueOrDefault(key);
                column.Set(row, value);
            }

            Interlocked.Increment(ref _changes);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>Removes an erased customer's row: it matches no rule again and keeps no text of theirs.</summary>
    public void Erase(string customerId)
    {
        _gate.EnterWriteLock();
        try
        {
            var row = Ids.Find(customerId);
            if (row < 0)
            {
                return;
            }

            Ids.Remove(customerId, row);
            Bitmaps.Set(Live, row, false);
            LiveCount--;
            Email.Clear(row);
            Name.Clear(row);
            Phone.Set(row, null);
            foreach (var category in (CategoryColumn[])[EmailDomain, TimeZone, City, Country, Gender])
            {
                category.Set(row, null);
            }

            Tags.Clear(row);
            Preferences.Clear(row);
            foreach (var column in _attributes.Values)
            {
                column.Set(row, null);
            }

            Orders.RemoveRow(row);
            Interlocked.Increment(ref _changes);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>Records an order of a known customer; an order of a customer not in the index yet is left to its linking.</summary>
    public void ApplyOrder(AudienceOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.CustomerId is null)
        {
            return;
        }

        _gate.EnterWriteLock();
        try
        {
            var row = Ids.Find(order.CustomerId);
            if (row < 0)
            {
                return;
            }

            Orders.Upsert(row, order.Id, order.OrderedAt, order.Amount, order.Counted);
            Interlocked.Increment(ref _changes);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    public void Dispose() => _gate.Dispose();

    private int AddRow(string id)
    {
        if (Rows == Capacity)
        {
            EnsureCapacity(Math.Max(Rows + 1, Capacity + (Capacity / 4)));
        }

        var row = Rows++;
        Ids.Add(id, row);
        Bitmaps.Set(Live, row, true);
        LiveCount++;
        return row;
    }

    private void EnsureCapacity(int rows)
    {
        var capacity = Math.Max(Bitmaps.RowsPerWord, Bitmaps.WordsFor(rows) * Bitmaps.RowsPerWord);
        if (capacity <= Capacity)
        {
            return;
        }

        var live = Live;
        Array.Resize(ref live, Bitmaps.WordsFor(capacity));
        Live = live;
        var emailAt = EmailAt;
        Array.Resize(ref emailAt, Bitmaps.WordsFor(capacity));
        EmailAt = emailAt;
        Ids.Resize(capacity);
        Email.Resize(capacity);
        Name.Resize(capacity);
        Phone.Resize(capacity);
        foreach (var category in (CategoryColumn[])[EmailDomain, TimeZone, City, Country, Gender])
        {
            category.Resize(capacity);
        }

        Age.Resize(capacity);
        BirthDate.Resize(capacity);
        Tags.Resize(capacity);
        Preferences.Resize(capacity);
        EmailConsent.Resize(capacity);
        SmsConsent.Resize(capacity);
        PushConsent.Resize(capacity);
        CreatedAt.Resize(capacity);
        TotalSpent.Resize(capacity);
        OrderCount.Resize(capacity);
        VisitCount.Resize(capacity);
        LastOrderAt.Resize(capacity);
        LastVisit.Resize(capacity);
        EngagementScore.Resize(capacity);
        ChurnRisk.Resize(capacity);
        Orders.Resize(capacity);
        foreach (var column in _attributes.Values)
        {
            column.Resize(capacity);
        }

        Capacity = capacity;
    }

    private static byte ConsentCode(string? consent) => consent switch
    {
        "opted_in" => 1,
        "opted_out" => 2,
        _ => 0,
    };

    /// <summary>Holds the read lock until disposed.</summary>
    public readonly struct ReadScope(ReaderWriterLockSlim gate) : IDisposable
    {
        public void Dispose() => gate.ExitReadLock();
    }
}
