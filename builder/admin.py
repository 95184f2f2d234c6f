from django.contrib import admin

from builder.models import RefusedUpload


@admin.register(RefusedUpload)
class RefusedUploadAdmin(admin.ModelAdmin):
    list_display = ("created", "owner", "competitor", "reason")
    list_select_related = ("owner", "competitor")
    search_fields = ("owner__email", "owner__username", "reason")
    date_hierarchy = "created"
