namespace Crm.Modules.Segments.Contracts;

/// <summary>How a segmentable field's values compare; it decides the operators a condition may use.</summary>
public enum SegmentFieldType
{
    /// <summary>Free text (email, name, phone): compared case-insensitively.</summary>
    Text,

    /// <summary>Text with few distinct values (city, country, gender, time zone): compared case-insensitively.</summary>
    Category,

    Number,

    /// <summary>An instant (UTC); values are ISO 8601 dates or date-times, relative operators take a number of days.</summary>
    Date,

    Boolean,

    /// <summary>A channel's consent: <c>opted_in</c>, <c>opted_out</c> or <c>unknown</c> (never said either way).</summary>
    Consent,

    /// <summary>A set of text values (tags, preferences): a condition asks whether the set holds a value.</summary>
    List,
}

/// <summary>The operator names of a condition, as a rule sends them. Aliases are listed in <see cref="Aliases"/>.</summary>
public static class SegmentOperators
{
    public const string Equal = "=";
    public const string NotEqual = "!=";
    public const string GreaterThan = ">";
    public const string GreaterThanOrEqual = ">=";
    public const string LessThan = "<";
    public const string LessThanOrEqual = "<=";
    public const string Between = "between";
    public const string In = "in";
    public const string NotIn = "not_in";
    public const string Contains = "contains";
    public const string NotContains = "not_contains";
    public const string StartsWith = "starts_with";
    public const string EndsWith = "ends_with";
    public const string IsEmpty = "is_empty";
    public const string IsNotEmpty = "is_not_empty";
    public const string WithinLastDays = "within_last_days";
    public const string MoreThanDaysAgo = "more_than_days_ago";
    public const string Before = "before";
    public const string After = "after";

    /// <summary>Other spellings accepted on input (the product's API examples, react-querybuilder), mapped to the names above.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["=="] = Equal,
        ["eq"] = Equal,
        ["equals"] = Equal,
        ["<>"] = NotEqual,
        ["ne"] = NotEqual,
        ["gt"] = GreaterThan,
        ["gte"] = GreaterThanOrEqual,
        ["lt"] = LessThan,
        ["lte"] = LessThanOrEqual,
        ["not in"] = NotIn,
        ["notIn"] = NotIn,
        ["nin"] = NotIn,
        ["doesNotContain"] = NotContains,
        ["not contains"] = NotContains,
        ["starts with"] = StartsWith,
        ["beginsWith"] = StartsWith,
        ["ends with"] = EndsWith,
        ["endsWith"] = EndsWith,
        ["is empty"] = IsEmpty,
        ["null"] = IsEmpty,
        ["is not empty"] = IsNotEmpty,
        ["notNull"] = IsNotEmpty,
        ["within the last"] = WithinLastDays,
        ["within last"] = WithinLastDays,
        ["within_last"] = WithinLastDays,
        ["more than days ago"] = MoreThanDaysAgo,
        ["more_than_ago"] = MoreThanDaysAgo,
    };

    /// <summary>The operators a field of <paramref name="type"/> allows.</summary>
    public static IReadOnlyList<string> For(SegmentFieldType type) => type switch
    {
        SegmentFieldType.Text or SegmentFieldType.Category =>
            [Equal, NotEqual, In, NotIn, Contains, NotContains, StartsWith, EndsWith, IsEmpty, IsNotEmpty],
        SegmentFieldType.Number =>
            [Equal, NotEqual, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Between, In, NotIn, IsEmpty, IsNotEmpty],
        SegmentFieldType.Date =>
            [Before, After, Between, WithinLastDays, MoreThanDaysAgo, IsEmpty, IsNotEmpty],
        SegmentFieldType.Boolean => [Equal, NotEqual, IsEmpty, IsNotEmpty],
        SegmentFieldType.Consent => [Equal, NotEqual, In, NotIn],
        SegmentFieldType.List => [Contains, NotContains, In, NotIn, IsEmpty, IsNotEmpty],
        _ => [],
    };
}

/// <summary>
/// A field a segment rule may name. <see cref="WindowDays"/> fields (orders or spend in the last N days) need the
/// condition's <c>days</c>; <see cref="Provider"/> names the module whose events fill the field when it is not Customers.
/// </summary>
public sealed record SegmentField(
    string Name,
    string Label,
    SegmentFieldType Type,
    string Group,
    IReadOnlyList<string> Operators,
    bool WindowDays = false,
    string? Provider = null,
    IReadOnlyList<string>? Values = null);

/// <summary>
/// Every built-in segmentable field. Custom attributes are discovered from customer events and named
/// <c>attributes.&lt;key&gt;</c>; the segments API lists them beside these (GET /api/v1/segments/fields).
/// </summary>
public static class SegmentFieldCatalog
{
    public const string AttributePrefix = "attributes.";

    public const string ContactGroup = "contact";
    public const string ProfileGroup = "profile";
    public const string ConsentGroup = "consent";
    public const string BehaviourGroup = "behaviour";
    public const string OrdersGroup = "orders";
    public const string AttributesGroup = "attributes";

    public const string Email = "email";
    public const string EmailDomain = "email_domain";
    public const string Name = "name";
    public const string Phone = "phone";
    public const string TimeZone = "time_zone";
    public const string City = "city";
    public const string Country = "country";
    public const string Gender = "gender";
    public const string Age = "age";
    public const string BirthDate = "birth_date";
    public const string Tags = "tags";
    public const string Preferences = "preferences";
    public const string EmailConsent = "email_consent";
    public const string SmsConsent = "sms_consent";
    public const string PushConsent = "push_consent";
    public const string CreatedAt = "created_at";
    public const string TotalSpent = "total_spent";
    public const string OrderCount = "order_count";
    public const string VisitCount = "visit_count";
    public const string LastOrderAt = "last_order_at";
    public const string LastVisit = "last_visit";
    public const string DaysSinceLastOrder = "days_since_last_order";
    public const string EngagementScore = "engagement_score";
    public const string ChurnRisk = "churn_risk";
    public const string OrdersInLastDays = "orders_in_last_days";
    public const string SpendInLastDays = "spend_in_last_days";

    public static IReadOnlyList<string> ConsentValues { get; } = ["opted_in", "opted_out", "unknown"];

    public static IReadOnlyList<SegmentField> Fields { get; } =
    [
        Field(Email, "Email", SegmentFieldType.Text, ContactGroup),
        Field(EmailDomain, "Email domain", SegmentFieldType.Category, ContactGroup),
        Field(Name, "Name", SegmentFieldType.Text, ContactGroup),
        Field(Phone, "Phone", SegmentFieldType.Text, ContactGroup),
        Field(TimeZone, "Time zone", SegmentFieldType.Category, ContactGroup),
        Field(City, "City", SegmentFieldType.Category, ProfileGroup),
        Field(Country, "Country (ISO 3166-1 alpha-2)", SegmentFieldType.Category, ProfileGroup),
        Field(Gender, "Gender", SegmentFieldType.Category, ProfileGroup),
        Field(Age, "Age", SegmentFieldType.Number, ProfileGroup),
        Field(BirthDate, "Birth date", SegmentFieldType.Date, ProfileGroup),
        Field(Tags, "Tags", SegmentFieldType.List, ProfileGroup),
        Field(Preferences, "Preferences", SegmentFieldType.List, ProfileGroup),
        Field(EmailConsent, "Email consent", SegmentFieldType.Consent, ConsentGroup) with { Values = ConsentValues },
        Field(SmsConsent, "SMS consent", SegmentFieldType.Consent, ConsentGroup) with { Values = ConsentValues },
        Field(PushConsent, "Push consent", SegmentFieldType.Consent, ConsentGroup) with { Values = ConsentValues },
        Field(CreatedAt, "Customer since", SegmentFieldType.Date, ProfileGroup),
        Field(TotalSpent, "Total spent (base currency)", SegmentFieldType.Number, BehaviourGroup),
        Field(OrderCount, "Number of orders", SegmentFieldType.Number, BehaviourGroup),
        Field(VisitCount, "Number of visits", SegmentFieldType.Number, BehaviourGroup),
        Field(LastOrderAt, "Last order", SegmentFieldType.Date, BehaviourGroup),
        Field(LastVisit, "Last visit", SegmentFieldType.Date, BehaviourGroup),
        Field(DaysSinceLastOrder, "Days since last order", SegmentFieldType.Number, BehaviourGroup),
        Field(EngagementScore, "Engagement score (0-100)", SegmentFieldType.Number, BehaviourGroup),
        Field(ChurnRisk, "Churn risk (0-1)", SegmentFieldType.Number, BehaviourGroup) with { Provider = "AI" },
        Field(OrdersInLastDays, "Orders in the last N days", SegmentFieldType.Number, OrdersGroup) with { WindowDays = true },
        Field(SpendInLastDays, "Spend in the last N days (base currency)", SegmentFieldType.Number, OrdersGroup) with { WindowDays = true },
    ];

    private static readonly Dictionary<string, SegmentField> ByName = Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static SegmentField? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The catalog entry of a custom attribute of <paramref name="type"/>.</summary>
    public static SegmentField Attribute(string key, SegmentFieldType type) =>
        Field(AttributePrefix + key, key, type, AttributesGroup);

    private static SegmentField Field(string name, string label, SegmentFieldType type, string group) =>
        new(name, label, type, group, SegmentOperators.For(type));
}
