import pytest

from onestop.cases.models import CaseStatus


@pytest.mark.django_db
def test_a_case_opened_through_intake_starts_received(open_case, counselor):
    case = open_case(counselor)
    assert case.status == CaseStatus.RECEIVED
    assert case.reference.startswith("OS-")
