"""Writes a two-page Vietnamese application form with ReportLab: text in embedded Liberation Serif,
AcroForm text fields and a check box (fields a signer must leave alone).

Usage: reportlab_form.py OUT.pdf LIBERATION-SERIF-REGULAR.ttf LIBERATION-SERIF-BOLD.ttf
"""

import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

out, regular, bold = sys.argv[1:]
pdfmetrics.registerFont(TTFont("LiberationSerif", regular))
pdfmetrics.registerFont(TTFont("LiberationSerif-Bold", bold))
c = canvas.Canvas(out, pagesize=A4, invariant=1)  # invariant: no dates or random /ID
c.setTitle("Tờ khai đề nghị cấp giấy phép")
c.setAuthor("Cổng dịch vụ công tỉnh Ninh Bình")
w, h = A4
c.setFont("LiberationSerif-Bold", 13)
c.drawCentredString(w / 2, h - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
c.drawCentredString(w / 2, h - 78, "Độc lập - Tự do - Hạnh phúc")
c.setFont("LiberationSerif-Bold", 15)
c.drawCentredString(w / 2, h - 120, "TỜ KHAI ĐỀ NGHỊ CẤP GIẤY PHÉP")
c.setFont("LiberationSerif", 13)
c.drawString(72, h - 160, "Kính gửi: Sở Khoa học và Công nghệ tỉnh Ninh Bình")
form = c.acroForm
fields = [("Họ và tên:", "HoTen"), ("Số định danh cá nhân:", "SoDinhDanh"), ("Địa chỉ thường trú:", "DiaChi")]
for i, (label, name) in enumerate(fields):
    y = h - 200 - 34 * i
    c.drawString(72, y, label)
    form.textfield(name=name, x=220, y=y - 6, width=300, height=20, borderWidth=0.5, fontName="Times-Roman",
                   fontSize=11, value="")
c.drawString(72, h - 320, "Tôi cam đoan những nội dung kê khai trên là đúng sự thật.")
form.checkbox(name="CamDoan", x=72, y=h - 350, size=14, checked=False)
c.drawString(95, h - 347, "Đồng ý nhận kết quả qua Cổng dịch vụ công")
c.showPage()
c.setFont("LiberationSerif-Bold", 13)
c.drawString(72, h - 72, "PHẦN DÀNH CHO CƠ QUAN GIẢI QUYẾT")
c.setFont("LiberationSerif", 13)
c.drawString(72, h - 100, "Kết quả giải quyết: Đủ điều kiện cấp giấy phép.")
c.drawString(330, 260, "NGƯỜI KÝ DUYỆT")
c.drawString(330, 140, "Trần Thị Bình")
c.showPage()
c.save()
