from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from ..domain.numbers import WHOLE_TEXT


class Pagination(PageNumberPagination):
    """`{count, next, previous, results}` with `?page=` and `?page_size=` (max 500).

    Both take ASCII digits only: int() would also read "1_0" as 10 and full-width digits. A page
    that is no number is a 404 (DRF's answer to a page out of range), a page size that is none
    falls back to the default (DRF's answer to a size that does not parse)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number not in self.last_page_strings and not WHOLE_TEXT.fullmatch(str(number)):
            raise NotFound(self.invalid_page_message)
        return number

    def get_page_size(self, request):
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not WHOLE_TEXT.fullmatch(size.strip()):
            return self.page_size
        return super().get_page_size(request)
