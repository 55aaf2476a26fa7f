"""Anomaly flags (contest/voting/anomalies.py): seeded bursts raise them, a realistic uniform
vote raises none, and the thresholds hold at their edges."""

import random
from datetime import UTC, datetime, timedelta

from contest.voting import anomalies
from contest.voting.anomalies import CodeRecord, VoteRecord

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
# Real webmail shares: a big provider is most of the vote and must not flag for being big.
WEBMAIL = (("gmail.com", 45), ("outlook.com", 15), ("yahoo.com", 10), ("icloud.com", 10),
           ("hotmail.com", 5), ("aol.com", 2))  # fmt: skip
SCHOOL_DOMAINS = [f"students.district{n}.k12.example" for n in range(12)]
NETWORKS = [f"net{n:03d}" for n in range(80)]


class Ids:
    def __init__(self):
        self.next = 0

    def __call__(self):
        self.next += 1
        return self.next


def control_votes(ids, rng, how_many=500, days=4):
    """A uniform vote: spread over days, across many networks (schools, homes, phone carriers)
    and domains, most of them big webmail providers."""
    domains = [d for d, weight in WEBMAIL for _ in range(weight)] + SCHOOL_DOMAINS
    return [
        VoteRecord(
            ids(),
            START + timedelta(seconds=rng.uniform(0, days * 86400)),
            rng.choice(NETWORKS),
            rng.choice(domains),
            rng.randint(1, 30),
        )
        for _ in range(how_many)
    ]


def burst(ids, count, span, network="", domain="", at=START + timedelta(days=2)):
    step = span // max(count - 1, 1)
    return [VoteRecord(ids(), at + step * n, network, domain, 7) for n in range(count)]


def test_a_uniform_vote_raises_no_flag():
    ids, rng = Ids(), random.Random(6)
    votes = control_votes(ids, rng)
    codes = [CodeRecord(v.cast_at, v.network, v.domain, rng.random() > 0.2) for v in votes]
    assert anomalies.all_flags(votes, codes) == []


def test_fifty_votes_from_one_network_in_five_minutes_are_flagged():
    ids, rng = Ids(), random.Random(7)
    control = control_votes(ids, rng)
    stuffed = burst(ids, 50, timedelta(minutes=5), network="net-stuffed", domain="gmail.com")
    flags = anomalies.all_flags(control + stuffed, [])
    assert [(f.kind, f.key, f.count) for f in flags] == [
        (anomalies.NETWORK_BURST, "net-stuffed", 50)
    ]
    flag = flags[0]
    assert set(flag.votes) == {v.vote_id for v in stuffed}
    assert (flag.start, flag.end) == (stuffed[0].cast_at, stuffed[-1].cast_at)
    assert flag.expected == 0.0  # the network cast no vote anywhere else


def test_thirty_votes_from_one_email_domain_are_flagged_but_the_big_providers_are_not():
    ids, rng = Ids(), random.Random(8)
    control = control_votes(ids, rng)
    # Spread over 30 networks (a botnet or a shared list), so no network bursts.
    at = START + timedelta(days=1)
    stuffed = [
        VoteRecord(ids(), at + timedelta(seconds=15 * n), f"bot{n}", "mailinator-like.test", 9)
        for n in range(30)
    ]
    flags = anomalies.all_flags(control + stuffed, [])
    assert [(f.kind, f.key, f.count) for f in flags] == [
        (anomalies.DOMAIN_BURST, "mailinator-like.test", 30)
    ]
    assert set(flags[0].votes) == {v.vote_id for v in stuffed}


def test_a_contest_wide_surge_at_the_usual_shares_flags_no_domain():
    """A school assembly told to vote now: 200 votes in 10 minutes, gmail at its usual share."""
    ids, rng = Ids(), random.Random(9)
    control = control_votes(ids, rng)
    domains = [d for d, weight in WEBMAIL for _ in range(weight)] + SCHOOL_DOMAINS
    at = START + timedelta(days=3)
    surge = [
        VoteRecord(ids(), at + timedelta(seconds=3 * n), rng.choice(NETWORKS + [f"h{n}"] * 40),
                   rng.choice(domains), 3)
        for n in range(200)
    ]  # fmt: skip
    assert anomalies.domain_bursts(control + surge) == []


def background(ids, how_many=200):
    """Votes from as many networks, one each, spread over four days."""
    return [
        VoteRecord(ids(), START + timedelta(minutes=29 * n), f"home{n}", f"d{n}.test", 1)
        for n in range(how_many)
    ]


def test_a_burst_exactly_at_the_thresholds_is_flagged_and_one_below_is_not():
    ids = Ids()
    window = timedelta(minutes=5)
    rest = background(ids)
    at_edge = burst(ids, 20, window, network="edge")  # 20 votes, first to last exactly 5 min
    assert [f.count for f in anomalies.network_bursts(rest + at_edge)] == [20]
    one_short = burst(ids, 19, window, network="short")
    assert anomalies.network_bursts(rest + one_short) == []
    too_slow = burst(ids, 20, window + timedelta(microseconds=19), network="slow")
    assert anomalies.network_bursts(rest + too_slow) == []
    assert [f.count for f in anomalies.network_bursts(rest + too_slow, min_votes=19)] == [20]


def test_a_burst_near_the_baseline_share_is_not_flagged_and_factor_is_the_edge():
    """A network holding half of the rest of the contest: 20 votes where 10 are expected."""
    ids = Ids()
    at = START + timedelta(days=1)
    busy = burst(ids, 20, timedelta(minutes=5), network="school", at=at)
    # The rest of the window: 20 more votes from elsewhere, so 40 in the window.
    others_now = burst(ids, 20, timedelta(minutes=5), network="", at=at)
    # Outside the window: 50 from the school and 50 from elsewhere (a 50% share).
    later = at + timedelta(days=1)
    rest = [
        VoteRecord(ids(), later + timedelta(minutes=30 * n), "school", "", 1) for n in range(50)
    ]
    rest += [VoteRecord(ids(), later + timedelta(minutes=30 * n), "", "", 1) for n in range(50)]
    votes = busy + others_now + rest
    # Expected in the window: 40 x 50/100 = 20; the burst casts 20, factor 1 is the edge.
    assert anomalies.network_bursts(votes, factor=3) == []
    flags = anomalies.network_bursts(votes, factor=1)
    assert [(f.count, f.expected) for f in flags] == [(20, 20.0)]
    assert anomalies.network_bursts(votes, factor=1.01) == []


def test_two_separate_bursts_of_one_network_are_two_flags():
    ids = Ids()
    first = burst(ids, 25, timedelta(minutes=3), network="n", at=START)
    second = burst(ids, 25, timedelta(minutes=3), network="n", at=START + timedelta(hours=5))
    flags = anomalies.network_bursts(background(ids) + first + second)
    assert [(f.count, f.start) for f in flags] == [(25, START), (25, START + timedelta(hours=5))]


def test_unknown_networks_and_domains_never_flag():
    ids = Ids()
    assert anomalies.all_flags(burst(ids, 60, timedelta(minutes=1)), []) == []


def codes(network, domain, confirmed, unconfirmed, at=START):
    return [CodeRecord(at + timedelta(seconds=n), network, domain, n < confirmed)
            for n in range(confirmed + unconfirmed)]  # fmt: skip


def test_many_codes_never_confirmed_flag_their_network_and_domain_with_their_votes():
    ids = Ids()
    stuffing = codes("net-x", "throwaway.test", confirmed=2, unconfirmed=40)
    honest = codes("net-y", "gmail.com", confirmed=400, unconfirmed=80)  # 17%: people give up
    votes = [VoteRecord(ids(), START + timedelta(seconds=10), "net-x", "throwaway.test", 4)]
    votes.append(VoteRecord(ids(), START + timedelta(days=1), "net-x", "gmail.com", 4))
    flags = anomalies.unconfirmed_codes(stuffing + honest, votes)
    assert sorted((f.kind, f.key, f.count, f.votes) for f in flags) == [
        (anomalies.UNCONFIRMED_DOMAIN, "throwaway.test", 40, (1,)),
        (anomalies.UNCONFIRMED_NETWORK, "net-x", 40, (1,)),
    ]


def test_unconfirmed_codes_at_the_thresholds():
    # 20 unconfirmed and 20 confirmed: exactly the count and exactly half.
    assert len(anomalies.unconfirmed_codes(codes("n", "", 20, 20))) == 1
    assert anomalies.unconfirmed_codes(codes("n", "", 20, 19)) == []  # one short of 20
    assert anomalies.unconfirmed_codes(codes("n", "", 21, 20)) == []  # under half


def test_flags_name_what_they_found():
    ids = Ids()
    flag = anomalies.network_bursts(burst(ids, 20, timedelta(minutes=1), network="abc"))[0]
    assert flag.label == "Burst of votes from one network"
    assert flag.ident == f"network_burst:abc:{flag.start.isoformat()}"
